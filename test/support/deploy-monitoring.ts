import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './processes.js';
import { metricNamesIn, metricNamesInVariableQuery } from './promql-metric-names.js';

export const PROMETHEUS_DIR = join(REPO_ROOT, 'deploy/prometheus');
export const RULES_FILE = join(PROMETHEUS_DIR, 'ivs-playback-auth.rules.yaml');
export const RULES_TEST_FILE = join(PROMETHEUS_DIR, 'ivs-playback-auth.rules.test.yaml');
export const PROMETHEUS_RULE_FILE = join(PROMETHEUS_DIR, 'prometheusrule.yaml');
export const DASHBOARD_FILE = join(REPO_ROOT, 'deploy/grafana/ivs-playback-auth.json');

export interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

export function loadRuleGroups(): readonly RuleGroup[] {
  return (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: RuleGroup[] }).groups;
}

export interface DashboardPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly targets?: readonly {
    readonly expr: string;
    readonly refId: string;
    readonly datasource?: { readonly type: string; readonly uid: string };
  }[];
  readonly panels?: readonly DashboardPanel[];
}
export interface DashboardVariable {
  readonly name: string;
  readonly type: string;
  readonly query: string | { readonly query: string };
  readonly datasource?: { readonly type: string; readonly uid: string };
}
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: readonly DashboardPanel[];
  readonly templating: { readonly list: readonly DashboardVariable[] };
  readonly [key: string]: unknown;
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel, those inside collapsed rows included. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** Every metric name a rule or a dashboard query uses, with where it is used. */
export function monitoredMetricNames(): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const add = (names: readonly string[], where: string) => {
    for (const name of names) uses.set(name, [...(uses.get(name) ?? []), where]);
  };
  for (const group of loadRuleGroups()) {
    for (const rule of group.rules) add(metricNamesIn(rule.expr), `rule ${rule.alert ?? rule.record}`);
  }
  const dashboard = loadDashboard();
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) add(metricNamesIn(target.expr), `panel "${panel.title}"`);
  }
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
    add(metricNamesInVariableQuery(query), `variable $${variable.name}`);
  }
  return uses;
}
