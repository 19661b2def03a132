import { describe, expect, it } from 'vitest';
import { allPanels, loadDashboard } from '../support/deploy-monitoring.js';
import { metricNamesIn } from '../support/promql-metric-names.js';

const DATASOURCE = { type: 'prometheus', uid: `\${datasource}` };

/**
 * deploy/grafana/ivs-playback-auth.json imports as it is into any Grafana with a Prometheus data
 * source: the data source is a template variable, nothing names one installation's data source,
 * and every query is PromQL. That every metric a query names is exported is checked against a
 * running server in test/e2e/monitoring-scrape.test.ts.
 */
describe('Grafana dashboard', () => {
  const dashboard = loadDashboard();
  const panels = allPanels(dashboard);
  const queried = panels.filter((panel) => panel.type !== 'row');

  it('has a stable uid and title, and no export-only inputs that would need a choice at import', () => {
    expect(dashboard.uid).toBe('ivs-playback-auth');
    expect(dashboard.title).toBe('ivs-playback-auth');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard['__inputs']).toBeUndefined();
    expect(dashboard['id'] ?? null).toBeNull();
  });

  it('takes its Prometheus data source from a variable, in every panel and query', () => {
    const variable = dashboard.templating.list.find((entry) => entry.name === 'datasource');

    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const panel of queried) {
      expect(panel.datasource, panel.title).toEqual(DATASOURCE);
      for (const target of panel.targets ?? []) expect(target.datasource, panel.title).toEqual(DATASOURCE);
    }
    for (const entry of dashboard.templating.list.filter((candidate) => candidate.type === 'query')) {
      expect(entry.datasource, `$${entry.name}`).toEqual(DATASOURCE);
    }
  });

  it('shows tokens by outcome, latency percentiles, key age and staleness, regions, rotations and AWS errors', () => {
    const queries = queried.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    const names = new Set(queries.flatMap(metricNamesIn));

    for (const name of [
      'playback_tokens_issued_total',
      'playback_token_refusals_total',
      'http_request_duration_seconds_bucket',
      'signing_key_age_seconds',
      'signing_key_staleness_seconds',
      'signing_key_pending_age_seconds',
      'ivs_region_serving',
      'signing_key_rotations_total',
      'signing_key_rotation_failures_total',
      'aws_api_call_failures_total',
    ]) {
      expect(names, name).toContain(name);
    }
    expect(queries.filter((query) => query.startsWith('histogram_quantile(0.99'))).toHaveLength(1);
  });

  it('has one query or more in every panel, each PromQL, filtered to the chosen job and replicas', () => {
    for (const panel of queried) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(metricNamesIn(target.expr).length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const [selector] of target.expr.matchAll(/\{[^}]*\}/g)) {
          expect(selector, panel.title).toContain('job="$job"');
          expect(selector, panel.title).toContain('instance=~"$instance"');
        }
      }
    }
  });

  it('lays panels out on the 24-column grid without overlaps, each with its own id', () => {
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const { title, gridPos } of panels) {
      expect(gridPos.x + gridPos.w, title).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});
