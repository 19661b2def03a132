import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  loadRuleGroups,
  PROMETHEUS_DIR,
  PROMETHEUS_RULE_FILE,
  RULES_FILE,
  RULES_TEST_FILE,
} from '../support/deploy-monitoring.js';
import { metricNamesIn } from '../support/promql-metric-names.js';

/** promtool comes with Debian's `prometheus` package (.ci/run installs it). */
function findPromtool(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}
const promtool = findPromtool();
if (!promtool) {
  console.warn(
    'promtool is not installed (Debian: apt-get install prometheus): the promtool checks of deploy/prometheus are skipped',
  );
}

function runPromtool(args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(promtool ?? 'promtool', args, { cwd: PROMETHEUS_DIR, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

interface AlertTest {
  readonly alertname: string;
  readonly exp_alerts?: readonly unknown[];
}

/** The alerting rules in deploy/prometheus: valid, unit-tested by promtool, the same in both forms. */
describe('Prometheus alerting rules', () => {
  const groups = loadRuleGroups();
  const alerts = groups.flatMap((group) => group.rules.flatMap((rule) => (rule.alert ? [rule] : [])));

  it('are all alerts with a severity, a summary and a description, each named once', () => {
    const names = alerts.map((rule) => rule.alert);

    expect(alerts.length).toBeGreaterThanOrEqual(10);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of alerts) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.['severity']);
      expect(rule.annotations?.['summary'], rule.alert).toBeTruthy();
      expect(rule.annotations?.['description'], rule.alert).toBeTruthy();
    }
  });

  it("select only the service's own job, so another service's series never fire them", () => {
    for (const rule of alerts) {
      const selectors = [...rule.expr.matchAll(/([a-z_:][a-z0-9_:]*)\{([^}]*)\}/g)];
      const names = metricNamesIn(rule.expr);

      expect(selectors.length, rule.alert).toBeGreaterThanOrEqual(names.length);
      for (const [, , matchers] of selectors)
        expect(matchers, rule.alert).toContain('job="ivs-playback-auth"');
    }
  });

  it('are the same rules in the PrometheusRule manifest as in the plain rules file', () => {
    const manifest = parse(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: { groups: unknown };
    };

    expect(manifest.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(manifest.kind).toBe('PrometheusRule');
    expect(manifest.metadata.name).toBe('ivs-playback-auth');
    expect(
      manifest.spec.groups,
      'prometheusrule.yaml must hold the groups of ivs-playback-auth.rules.yaml unchanged',
    ).toEqual(groups);
  });

  it('each have a promtool unit test that shows them firing', () => {
    const tests = (
      parse(readFileSync(RULES_TEST_FILE, 'utf8')) as {
        rule_files: string[];
        tests: { alert_rule_test?: AlertTest[] }[];
      }
    ).tests.flatMap((test) => test.alert_rule_test ?? []);
    const firing = new Set(
      tests.filter((test) => (test.exp_alerts ?? []).length > 0).map((test) => test.alertname),
    );
    const silent = new Set(
      tests.filter((test) => (test.exp_alerts ?? []).length === 0).map((test) => test.alertname),
    );

    for (const rule of alerts) {
      expect(firing.has(rule.alert ?? ''), `${rule.alert} is never shown firing`).toBe(true);
      expect(silent.has(rule.alert ?? ''), `${rule.alert} is never shown silent`).toBe(true);
    }
  });

  it.skipIf(!promtool)('pass promtool check rules, both files', () => {
    // The manifest's spec is a plain rules file: checked as one, from a copy.
    const folder = mkdtempSync(join(tmpdir(), 'ipa-rules-'));
    const manifestRules = join(folder, 'prometheusrule-spec.yaml');
    writeFileSync(
      manifestRules,
      stringify((parse(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')) as { spec: unknown }).spec),
    );
    try {
      for (const file of [RULES_FILE, manifestRules]) {
        const result = runPromtool(['check', 'rules', file]);

        expect(result.status, result.output).toBe(0);
        expect(result.output).toContain(`SUCCESS: ${alerts.length} rules found`);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it.skipIf(!promtool)('pass their promtool unit tests', () => {
    const result = runPromtool(['test', 'rules', RULES_TEST_FILE]);

    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });
});
