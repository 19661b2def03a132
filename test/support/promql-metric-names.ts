import { parser } from '@prometheus-io/lezer-promql';

/**
 * The metric names a PromQL expression selects, read from its syntax tree (the Prometheus
 * project's own PromQL grammar, @prometheus-io/lezer-promql): the name of every vector selector,
 * never a function, aggregation, label or string. Throws on an expression that does not parse, so a
 * typo cannot hide a name.
 *
 * Grafana's interval variables ($__rate_interval and the like) become a duration first; other
 * dashboard variables only ever appear inside label matchers' strings.
 */
export function metricNamesIn(expression: string): string[] {
  const promql = expression.replace(/\$__(?:rate_interval|interval|range)\b/g, '5m');
  const tree = parser.parse(promql);
  const names = new Set<string>();
  const problems: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) problems.push(`at ${node.from}: "${promql.slice(node.from, node.to + 10)}"`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        names.add(promql.slice(node.from, node.to));
      }
      if (node.name === 'UnquotedLabelMatcher') {
        // {__name__="metric"}: a name given as a label.
        const named = /^__name__\s*=\s*"([^"]+)"$/.exec(promql.slice(node.from, node.to));
        if (named?.[1]) names.add(named[1]);
      }
      if (node.name === 'QuotedLabelName' && node.node.parent?.name === 'LabelMatchers') {
        // {"metric.name"}: a name outside the classic character set, quoted.
        names.add(JSON.parse(promql.slice(node.from, node.to)) as string);
      }
    },
  });
  if (problems.length > 0) throw new Error(`not PromQL: ${expression}\n${problems.join('\n')}`);
  return [...names].sort();
}

/** A Grafana variable query: `label_values(<selector>, label)` names a metric; `label_values(label)` none. */
export function metricNamesInVariableQuery(query: string): string[] {
  const selector = /^\s*label_values\(\s*(.+?)\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$/.exec(query)?.[1];
  if (selector !== undefined) return metricNamesIn(selector);
  if (/^\s*label_values\(\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$/.test(query)) return [];
  return metricNamesIn(query);
}

/**
 * The metric families a Prometheus text exposition declares (`# TYPE` lines), with the series
 * names each type adds: `_bucket`, `_sum`, `_count` for histograms, `_sum`, `_count` for summaries.
 */
export function exportedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/gm)) {
    const [, name = '', type] = match;
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}
