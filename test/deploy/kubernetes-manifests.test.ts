import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

// Loose shapes for the assertions below; the schema validation is what checks the real structure.
interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string }; emptyDir?: object }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: each kind has its own spec; the schemas check them.
  spec?: any;
}

interface Loaded {
  readonly file: string;
  readonly manifest: Manifest;
  /** The same document read as YAML 1.1, which is how kubectl reads it. */
  readonly asYaml11: unknown;
  readonly errors: readonly string[];
}

const files = readdirSync(DIR)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();
const loaded: Loaded[] = files.flatMap((file) => {
  const text = readFileSync(`${DIR}${file}`, 'utf8');
  const yaml11 = parseAllDocuments(text, { version: '1.1' });
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents) || !Array.isArray(yaml11)) return [];
  return documents.map((document, index) => ({
    file,
    manifest: document.toJS() as Manifest,
    asYaml11: yaml11[index]?.toJS(),
    errors: [...document.errors, ...document.warnings].map((problem) => problem.message),
  }));
});

type ModelClass = new (data: unknown) => { validate(): void };

/**
 * The Kubernetes JSON schema of each kind, from the kubernetes-models package: its models carry
 * the schemas of the Kubernetes OpenAPI document compiled into ajv validators, one per kind and
 * API version (`kubernetes-models/apps/v1/Deployment`, `kubernetes-models/v1/Service`, …).
 */
async function modelFor(apiVersion: string, kind: string): Promise<ModelClass> {
  const specifier = `kubernetes-models/${apiVersion}/${kind}`;
  const module = (await import(/* @vite-ignore */ specifier)) as Record<string, ModelClass>;
  const model = module[kind];
  if (!model) throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return model;
}

const ofKind = (kind: string): Manifest[] =>
  loaded.map(({ manifest }) => manifest).filter((manifest) => manifest.kind === kind);
const only = (kind: string): Manifest => {
  const found = ofKind(kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0] as Manifest;
};
/** Every pod template: the Deployment's, and the rotation CronJob's when there is one. */
const podTemplates = (): { owner: string; spec: PodSpec }[] =>
  loaded.flatMap(({ file, manifest }) => {
    if (manifest.kind === 'Deployment') return [{ owner: file, spec: manifest.spec.template.spec }];
    if (manifest.kind === 'CronJob')
      return [{ owner: file, spec: manifest.spec.jobTemplate.spec.template.spec }];
    return [];
  });
const allContainers = (): { owner: string; pod: PodSpec; container: Container }[] =>
  podTemplates().flatMap(({ owner, spec }) =>
    spec.containers.map((container) => ({ owner: `${owner}: ${container.name}`, pod: spec, container })),
  );
const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

describe('deploy/kubernetes manifests', () => {
  let deployment: Manifest;
  let pod: PodSpec;
  let container: Container;

  beforeAll(() => {
    deployment = only('Deployment');
    pod = deployment.spec.template.spec;
    container = pod.containers[0] as Container;
  });

  it('holds the Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler and ServiceAccount', () => {
    expect(ofKind('Deployment')).toHaveLength(1);
    expect(ofKind('Service')).toHaveLength(1);
    expect(ofKind('PodDisruptionBudget')).toHaveLength(1);
    expect(ofKind('HorizontalPodAutoscaler')).toHaveLength(1);
    expect(ofKind('ServiceAccount')).toHaveLength(1);
  });

  it.each(loaded.map((entry) => [`${entry.file}: ${entry.manifest?.kind}`, entry] as const))(
    '%s is valid against the Kubernetes schema',
    async (_name, { manifest, errors }) => {
      expect(errors).toEqual([]);
      expect(manifest.apiVersion).toMatch(/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/);
      expect(manifest.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      const Model = await modelFor(manifest.apiVersion, manifest.kind);

      expect(() => new Model(manifest).validate()).not.toThrow();
    },
  );

  it.each(loaded.map((entry) => [entry.file, entry] as const))(
    '%s reads the same as YAML 1.1 (kubectl) and YAML 1.2 (no octal or yes/no surprises)',
    (_file, { manifest, asYaml11 }) => {
      expect(asYaml11).toEqual(manifest);
    },
  );

  it('rejects a manifest that breaks the schema (the validation is real)', async () => {
    const broken = structuredClone(deployment);
    broken.spec.replicas = 'two';
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';

    expect(await modelFor('apps/v1', 'Deployment')).toBe(Deployment);
    expect(() => new Deployment(broken).validate()).toThrow(/replicas|containerPort/);
  });

  it('runs at least 2 replicas, and the autoscaler never goes below 2', () => {
    const hpa = only('HorizontalPodAutoscaler');

    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.scaleTargetRef).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
  });

  it('probes /healthz for liveness and /readyz for readiness on a declared port', () => {
    const portNames = (container.ports ?? []).flatMap((port) => [port.name, port.containerPort]);

    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      if (probe) expect(portNames).toContain(probe.httpGet?.port);
    }
    expect(container.ports?.map((port) => port.containerPort)).toContain(8080);
  });

  it('sets CPU and memory requests and limits on every container', () => {
    for (const { owner, container: each } of allContainers()) {
      expect(each.resources?.requests, owner).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(each.resources?.limits, owner).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
    }
  });

  it('runs every container as non-root with a read-only root filesystem and no capabilities', () => {
    for (const { owner, pod: spec, container: each } of allContainers()) {
      const nonRoot = each.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
      const uid = each.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;

      expect(nonRoot, owner).toBe(true);
      expect(uid, owner).not.toBe(0);
      expect(each.securityContext?.readOnlyRootFilesystem, owner).toBe(true);
      expect(each.securityContext?.allowPrivilegeEscalation, owner).toBe(false);
      expect(each.securityContext?.privileged ?? false, owner).toBe(false);
      expect(each.securityContext?.capabilities?.drop, owner).toContain('ALL');
      expect(each.securityContext?.capabilities?.add ?? [], owner).toEqual([]);
    }
  });

  it('pins a released image tag, never latest', () => {
    for (const { owner, container: each } of allContainers()) {
      const [, tag] = /^[^@]+?(?::([\w][\w.-]{0,127}))?(@sha256:[a-f0-9]{64})?$/.exec(each.image) ?? [];

      expect(tag, `${owner}: ${each.image} needs a tag`).toBeDefined();
      expect(tag, owner).not.toBe('latest');
    }
  });

  it('configures production mode: Secrets Manager, IVS, API keys from a mounted Secret', () => {
    const env = Object.fromEntries((container.env ?? []).map(({ name, value }) => [name, value]));
    const apiKeysFile = env['API_KEYS_FILE'] ?? '';
    const mount = container.volumeMounts?.find((candidate) =>
      apiKeysFile.startsWith(`${candidate.mountPath}/`),
    );
    const volume = pod.volumes?.find((candidate) => candidate.name === mount?.name);

    expect(env['KEY_STORE']).toBe('secrets-manager');
    expect(env['SECRET_ID']).toBeTruthy();
    expect(env['AWS_REGION']).toBeTruthy();
    expect(mount, `a volume mounted above ${apiKeysFile}`).toBeDefined();
    expect(mount?.readOnly).toBe(true);
    // subPath mounts never see Secret updates; a folder mount lets API keys rotate without restarts.
    expect(mount?.subPath).toBeUndefined();
    expect(volume?.secret?.secretName).toBeTruthy();
  });

  it('leaves time for a graceful shutdown: preStop + SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT < grace period', () => {
    const env = Object.fromEntries((container.env ?? []).map(({ name, value }) => [name, value]));
    const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
    const sleepSeconds = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
    // The defaults of production mode (src/config.ts) when the variables are not set.
    const delaySeconds = Number(env['SHUTDOWN_DELAY_SECONDS'] ?? 5);
    const timeoutSeconds = Number(env['SHUTDOWN_TIMEOUT_SECONDS'] ?? 10);

    expect(pod.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(
      sleepSeconds + delaySeconds + timeoutSeconds,
    );
  });

  it('selects the pods from the Service and the PodDisruptionBudget, keeping a replica up on drains', () => {
    const labels = deployment.spec.template.metadata.labels as Record<string, string>;
    const service = only('Service');
    const pdb = only('PodDisruptionBudget');

    expect(matches(deployment.spec.selector.matchLabels, labels)).toBe(true);
    expect(matches(service.spec.selector, labels)).toBe(true);
    expect(matches(pdb.spec.selector.matchLabels, labels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    const portNames = (container.ports ?? []).flatMap((port) => [port.name, port.containerPort]);
    for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
  });

  it('runs under a ServiceAccount annotated with an IAM role (IRSA)', () => {
    const account = only('ServiceAccount');

    expect(pod.serviceAccountName).toBe(account.metadata.name);
    expect(account.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(
      /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    );
  });
});
