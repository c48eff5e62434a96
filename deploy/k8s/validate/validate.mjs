// Validates Kubernetes manifests against the Kubernetes API schemas, offline:
//  1. each object with the validator kubernetes-models generated from the Kubernetes OpenAPI
//     schema of its apiVersion/kind (types, required fields, formats);
//  2. all objects at once with TypeScript (--strict) against the same package's interfaces,
//     which also rejects unknown fields (a typo such as `readinesProbe` passes 1 but not 2);
//  3. consistency between the objects: selectors match pod labels, references (ConfigMap, HPA
//     target, Ingress backend) exist, probes and CPU requests are set, the termination grace
//     period exceeds preStop + CHAT_DRAIN_GRACE, pods run as non-root, no namespace is named, no
//     CHAT_* setting is given both as a value and as a _FILE.
// usage: node validate.mjs <file.yaml>...     (exit 0: valid; 1: invalid)
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs <file.yaml>...");
  process.exit(2);
}

let failures = 0;
const typed = [];
for (const file of files) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  let index = 0;
  for (const d of docs) {
    const where = `${file}#${index++}`;
    if (d.errors.length > 0) {
      console.error(`FAIL ${where}: YAML: ${d.errors.map((e) => e.message).join("; ")}`);
      failures++;
      continue;
    }
    const obj = d.toJS();
    if (obj == null) continue;
    const { apiVersion, kind } = obj;
    if (kind === "Kustomization") {
      console.log(`skip ${where}: Kustomization (checked by kubectl kustomize)`);
      continue;
    }
    if (typeof apiVersion !== "string" || typeof kind !== "string") {
      console.error(`FAIL ${where}: no apiVersion/kind`);
      failures++;
      continue;
    }
    const module = `kubernetes-models/${apiVersion}`;
    let Model;
    try {
      Model = (await import(module))[kind];
    } catch (e) {
      Model = undefined;
    }
    if (typeof Model !== "function") {
      console.error(`FAIL ${where}: unknown apiVersion/kind ${apiVersion} ${kind}`);
      failures++;
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`ok   ${where}: ${apiVersion} ${kind} ${obj.metadata?.name ?? ""}`);
      typed.push({ where, module, kind, obj });
    } catch (e) {
      console.error(`FAIL ${where}: ${apiVersion} ${kind} ${obj.metadata?.name ?? ""}: ${e.message}`);
      for (const err of e.errors ?? []) console.error(`       ${err.instancePath} ${err.message}`);
      failures++;
    }
  }
}

// 2. strict types: one typed constant per object
// (generated next to node_modules, so that the package's types resolve; removed afterwards)
const dir = mkdtempSync(join(here, ".generated-"));
try {
  const imports = new Map();
  const lines = [];
  typed.forEach(({ where, module, kind, obj }, i) => {
    const alias = `T${imports.size}`;
    const key = `${module} ${kind}`;
    if (!imports.has(key)) imports.set(key, { alias, module, kind });
    const t = imports.get(key).alias;
    lines.push(`// ${where}`, `export const doc${i}: ${t} = ${JSON.stringify(obj, null, 2)};`);
  });
  const head = [...imports.values()].map(({ alias, module, kind }) => `import type { I${kind} as ${alias} } from "${module}/${kind}";`);
  const source = join(dir, "manifests.ts");
  writeFileSync(source, [...head, ...lines].join("\n") + "\n");
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { noEmit: true, strict: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", types: [] },
    files: ["manifests.ts"],
  }));
  const tsc = join(here, "node_modules", "typescript", "bin", "tsc");
  try {
    execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    console.log(`ok   strict types (no unknown fields): ${typed.length} objects`);
  } catch (e) {
    const out = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    const src = readFileSync(source, "utf8").split("\n");
    console.error("FAIL strict types:");
    for (const line of out.split("\n").filter((l) => l.trim())) {
      const m = line.match(/manifests\.ts\((\d+),\d+\)/);
      let doc = "";
      if (m) {
        for (let n = Number(m[1]) - 1; n >= 0; n--) {
          if (src[n].startsWith("// ")) { doc = src[n].slice(3); break; }
        }
      }
      console.error(`       ${doc ? doc + ": " : ""}${line.replace(/^.*manifests\.ts/, basename(source))}`);
    }
    failures++;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// 3. consistency between the objects (what a schema cannot see)
const objects = new Map();
for (const { kind, obj } of typed) objects.set(`${kind}/${obj.metadata?.name}`, obj);
const byKind = (k) => [...objects.values()].filter((o) => o.kind === k);
const workloads = [...byKind("Deployment"), ...byKind("StatefulSet")];
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const seconds = (d) => {
  const m = /^PT(?:(\d+)M)?(?:(\d+)S)?$/.exec(d ?? "") ?? /^()(\d+)s$/.exec(d ?? "");
  return m ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : NaN;
};
const problems = [];
for (const w of workloads) {
  const name = `${w.kind}/${w.metadata.name}`;
  const labels = w.spec.template.metadata?.labels;
  if (!matches(w.spec.selector?.matchLabels, labels)) problems.push(`${name}: selector does not match the pod labels`);
  for (const c of w.spec.template.spec.containers) {
    for (const from of c.envFrom ?? []) {
      const ref = from.configMapRef?.name;
      if (ref && !objects.has(`ConfigMap/${ref}`)) problems.push(`${name}: ConfigMap ${ref} is not defined`);
    }
    // a chat-relay setting given both as VAR and as VAR_FILE stops the gateway at start
    const vars = new Set((c.env ?? []).map((e) => e.name));
    for (const from of c.envFrom ?? []) {
      Object.keys(objects.get(`ConfigMap/${from.configMapRef?.name}`)?.data ?? {}).forEach((k) => vars.add(k));
    }
    for (const v of vars) {
      if (v.startsWith("CHAT_") && vars.has(`${v}_FILE`)) problems.push(`${name}/${c.name}: ${v} and ${v}_FILE are both set (set one)`);
    }
    if (w.kind === "Deployment") {
      if (!c.readinessProbe || !c.livenessProbe) problems.push(`${name}/${c.name}: readiness and liveness probes are required`);
      if (!c.resources?.requests?.cpu) problems.push(`${name}/${c.name}: a CPU request is required (HPA on CPU utilization)`);
      const env = {};
      for (const from of c.envFrom ?? []) Object.assign(env, objects.get(`ConfigMap/${from.configMapRef?.name}`)?.data ?? {});
      const grace = seconds(env.CHAT_DRAIN_GRACE ?? "PT20S");
      const pause = Number((c.lifecycle?.preStop?.exec?.command ?? []).find((a) => /^\d+$/.test(a)) ?? 0);
      const period = w.spec.template.spec.terminationGracePeriodSeconds ?? 30;
      if (!(period > grace + pause)) {
        problems.push(`${name}: terminationGracePeriodSeconds ${period} must exceed preStop ${pause} s + CHAT_DRAIN_GRACE ${grace} s`);
      }
    }
  }
  const sc = w.spec.template.spec.securityContext ?? {};
  if (sc.runAsNonRoot !== true) problems.push(`${name}: securityContext.runAsNonRoot must be true`);
}
for (const svc of byKind("Service")) {
  if (!workloads.some((w) => matches(svc.spec.selector, w.spec.template.metadata?.labels))) {
    problems.push(`Service/${svc.metadata.name}: its selector matches no workload`);
  }
}
for (const pdb of byKind("PodDisruptionBudget")) {
  if (!workloads.some((w) => matches(pdb.spec.selector?.matchLabels, w.spec.template.metadata?.labels))) {
    problems.push(`PodDisruptionBudget/${pdb.metadata.name}: its selector matches no workload`);
  }
}
for (const hpa of byKind("HorizontalPodAutoscaler")) {
  const ref = hpa.spec.scaleTargetRef;
  if (!objects.has(`${ref.kind}/${ref.name}`)) problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: target ${ref.kind}/${ref.name} is not defined`);
  if (hpa.spec.minReplicas > hpa.spec.maxReplicas) problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: minReplicas > maxReplicas`);
}
for (const ing of byKind("Ingress")) {
  for (const rule of ing.spec.rules ?? []) {
    for (const path of rule.http?.paths ?? []) {
      const name = path.backend.service?.name;
      if (name && !objects.has(`Service/${name}`)) problems.push(`Ingress/${ing.metadata.name}: Service ${name} is not defined`);
    }
  }
}
// hardening (docs/security.md, "Kubernetes"): every Redis is behind a NetworkPolicy (protected
// mode off or not); the admin listener (port `admin`, 9090) is never routed by an Ingress nor
// exposed by a Service outside the cluster
const policies = byKind("NetworkPolicy");
for (const w of workloads) {
  const labels = w.spec.template.metadata?.labels;
  if (!w.spec.template.spec.containers.some((c) => /^redis:/.test(c.image ?? ""))) continue;
  if (!policies.some((np) => matches(np.spec.podSelector?.matchLabels, labels))) {
    problems.push(`${w.kind}/${w.metadata.name}: a Redis that no NetworkPolicy selects`);
  }
  // and requires a password: a config file from a Secret (requirepass), or node.sh's password file
  const secretVolumes = new Set((w.spec.template.spec.volumes ?? []).filter((v) => v.secret).map((v) => v.name));
  for (const c of w.spec.template.spec.containers.filter((c) => /^redis:/.test(c.image ?? ""))) {
    const mountsSecret = (c.volumeMounts ?? []).some((m) => secretVolumes.has(m.name));
    const passwordFile = (c.env ?? []).some((e) => e.name === "REDIS_PASSWORD_FILE");
    const configFile = [...(c.command ?? []), ...(c.args ?? [])].some((a) => /\.conf$/.test(String(a)));
    if (!mountsSecret || !(passwordFile || configFile)) {
      problems.push(`${w.kind}/${w.metadata.name}: Redis container ${c.name} requires no password from a Secret`);
    }
  }
}
const isAdmin = (port) => port?.name === "admin" || port?.number === 9090 || port === 9090 || port === "admin";
for (const ing of byKind("Ingress")) {
  for (const rule of ing.spec.rules ?? []) {
    for (const path of rule.http?.paths ?? []) {
      if (isAdmin(path.backend.service?.port)) problems.push(`Ingress/${ing.metadata.name}: routes the admin port`);
    }
  }
}
for (const svc of byKind("Service")) {
  const outside = svc.spec.type === "LoadBalancer" || svc.spec.type === "NodePort";
  if (outside && (svc.spec.ports ?? []).some((p) => p.port === 9090 || isAdmin(p.targetPort) || p.name === "admin")) {
    problems.push(`Service/${svc.metadata.name}: exposes the admin port outside the cluster`);
  }
}
for (const o of objects.values()) {
  if (o.metadata?.namespace) problems.push(`${o.kind}/${o.metadata.name}: names a namespace (the manifests are namespace-agnostic)`);
}
if (problems.length > 0) {
  problems.forEach((p) => console.error(`FAIL consistency: ${p}`));
  failures += problems.length;
} else {
  console.log(`ok   consistency (selectors, references, probes, grace periods, non-root, no namespace, VAR or VAR_FILE, Redis behind a NetworkPolicy and a password, admin port never exposed): ${objects.size} objects`);
}

if (failures > 0) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}
console.log("all manifests valid");
