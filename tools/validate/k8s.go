package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// newScheme registers the only API versions a generated project may use:
// the current, non-deprecated ones. An object of any other group, version
// or kind (extensions/v1beta1, autoscaling/v2beta2, policy/v1beta1, ...)
// fails to decode.
func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme,
		appsv1.AddToScheme,
		batchv1.AddToScheme,
		autoscalingv2.AddToScheme,
		policyv1.AddToScheme,
		networkingv1.AddToScheme,
		gatewayv1.Install,
		monitoringv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// object is one decoded Kubernetes object.
type object struct {
	where string
	gvk   schema.GroupVersionKind
	obj   runtime.Object
}

func (o object) name() string {
	if m, err := meta(o.obj); err == nil {
		return m.GetName()
	}
	return ""
}

func meta(obj runtime.Object) (metav1.Object, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, errors.New("no metadata")
	}
	return m, nil
}

// decodeDocuments strictly decodes a multi-document YAML stream into the
// typed objects of k8s.io/api (and the Gateway API and Prometheus Operator
// types): an unknown or duplicated field is a problem.
func decodeDocuments(stream []byte, where string, p *problems) []object {
	scheme := newScheme()
	decoder := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme, kjson.SerializerOptions{Yaml: true, Strict: true})
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var objects []object
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.add(where, "read YAML: %v", err)
			break
		}
		if isBlankDocument(doc) {
			continue
		}
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		switch {
		case err != nil && runtime.IsStrictDecodingError(err):
			p.add(where, "%s: %v", describe(gvk), err)
		case err != nil:
			p.add(where, "decode %q: %v (only current, non-deprecated API versions are accepted)", firstLine(doc), err)
			continue
		}
		o := object{where: where, gvk: *gvk, obj: obj}
		if d, ok := obj.(interface{ APILifecycleDeprecated() (int, int) }); ok {
			major, minor := d.APILifecycleDeprecated()
			p.add(where, "%s/%s: %s is deprecated since Kubernetes %d.%d", gvk.Kind, o.name(), gvk.GroupVersion(), major, minor)
		}
		objects = append(objects, o)
	}
	return objects
}

func isBlankDocument(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") && line != "---" {
			return false
		}
	}
	return true
}

func firstLine(doc []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(doc)), "\n")
	return line
}

func describe(gvk *schema.GroupVersionKind) string {
	if gvk == nil {
		return "object"
	}
	return gvk.GroupVersion().String() + " " + gvk.Kind
}

// podTemplate returns the pod metadata and spec of a workload object.
func podTemplate(obj runtime.Object) (*metav1.ObjectMeta, *corev1.PodSpec, bool) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return &o.ObjectMeta, &o.Spec, true
	case *appsv1.Deployment:
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, true
	case *appsv1.StatefulSet:
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, true
	case *appsv1.DaemonSet:
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, true
	case *appsv1.ReplicaSet:
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, true
	case *batchv1.Job:
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, true
	case *batchv1.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.ObjectMeta, &o.Spec.JobTemplate.Spec.Template.Spec, true
	}
	return nil, nil, false
}

// checkPodSecurity evaluates every pod template with the Pod Security
// Admission library at level restricted, latest version: what a namespace
// labelled pod-security.kubernetes.io/enforce=restricted admits.
func checkPodSecurity(objects []object, p *problems) int {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		panic(err)
	}
	level := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	evaluated := 0
	for _, o := range objects {
		podMeta, spec, ok := podTemplate(o.obj)
		if !ok {
			continue
		}
		evaluated++
		for _, r := range evaluator.EvaluatePod(level, podMeta, spec) {
			if !r.Allowed {
				p.add(o.where, "%s/%s violates Pod Security Standard %q: %s (%s)", o.gvk.Kind, o.name(), level, r.ForbiddenReason, r.ForbiddenDetail)
			}
		}
	}
	return evaluated
}

// expectations say which objects one render of the manifests must hold.
type expectations struct {
	// serviceMonitor: a ServiceMonitor scrapes /metrics.
	serviceMonitor bool
	// namespace: the render creates its Namespace (the kustomize overlays).
	namespace bool
	// migration: how migrations run with Postgres: "init" (an init
	// container) or "job" (a Helm hook Job).
	migration string
	// hpa: a HorizontalPodAutoscaler scales the Deployment.
	hpa bool
	// pinnedImage: images must name a registry and a tag other than latest.
	pinnedImage bool
}

// secretLike are variables whose values are credentials: they may only come
// from a Secret.
var secretLike = regexp.MustCompile(`(?i)(^DATABASE_URL$|^REDIS_URL$|PASSWORD|SECRET|TOKEN|API_KEY)`)

// checkService applies this project's operational contract to one render.
func checkService(objects []object, a answers, exp expectations, where string, p *problems) {
	byKind := map[string][]object{}
	for _, o := range objects {
		byKind[o.gvk.Kind] = append(byKind[o.gvk.Kind], o)
	}
	one := func(kind string) (object, bool) {
		list := byKind[kind]
		if len(list) != 1 {
			p.add(where, "want exactly one %s, got %d", kind, len(list))
			return object{}, false
		}
		return list[0], true
	}
	none := func(kind, why string) {
		if n := len(byKind[kind]); n > 0 {
			p.add(where, "want no %s (%s), got %d", kind, why, n)
		}
	}

	if n := len(byKind["Secret"]); n > 0 {
		p.add(where, "%d Secret object(s) rendered: secret values never belong in the manifests; reference an existing Secret", n)
	}

	// With --queue, the event worker is a second Deployment, checked apart.
	if a.events() {
		var api []object
		var workers []object
		for _, o := range byKind["Deployment"] {
			if strings.HasSuffix(o.name(), "-worker") {
				workers = append(workers, o)
			} else {
				api = append(api, o)
			}
		}
		byKind["Deployment"] = api
		if len(workers) != 1 {
			p.add(where, "--queue %s: want exactly one worker Deployment (named *-worker), got %d", a.Queue, len(workers))
		} else {
			checkWorker(workers[0].obj.(*appsv1.Deployment), api, where, p)
		}
	}

	depObj, ok := one("Deployment")
	if !ok {
		return
	}
	dep := depObj.obj.(*appsv1.Deployment)
	if dep.Name != a.Name {
		p.add(where, "Deployment is named %q, want %q", dep.Name, a.Name)
	}
	podLabels := labels.Set(dep.Spec.Template.Labels)
	if sel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector); err != nil || !sel.Matches(podLabels) {
		p.add(where, "Deployment selector does not match its pod template labels")
	}
	spec := &dep.Spec.Template.Spec
	container := findContainer(spec.Containers, a.Name)
	if container == nil {
		p.add(where, "Deployment has no container named %q", a.Name)
		return
	}
	checkPorts(container, a, where, p)
	checkProbes(container, where, p)

	// The shutdown budget.
	preStop := int64(0)
	if lc := container.Lifecycle; lc == nil || lc.PreStop == nil || lc.PreStop.Sleep == nil {
		p.add(where, "container %s: want a preStop hook with the native sleep action (no shell in a distroless image)", container.Name)
	} else {
		preStop = lc.PreStop.Sleep.Seconds
		if lc.PreStop.Exec != nil {
			p.add(where, "container %s: preStop runs a command; the image has no shell", container.Name)
		}
	}
	env := containerEnv(container, objects, where, p)
	drain := envDuration(env, "DRAIN_DELAY", 5*time.Second, where, p)
	shutdown := envDuration(env, "SHUTDOWN_TIMEOUT", 15*time.Second, where, p)
	budget := time.Duration(preStop)*time.Second + drain + shutdown
	what := "preStop sleep + DRAIN_DELAY + SHUTDOWN_TIMEOUT"
	if a.Tracing {
		budget += shutdown
		what += " + trace flush (SHUTDOWN_TIMEOUT)"
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if spec.TerminationGracePeriodSeconds != nil {
		grace = *spec.TerminationGracePeriodSeconds
	}
	if time.Duration(grace)*time.Second <= budget {
		p.add(where, "terminationGracePeriodSeconds %d is not above %s = %s", grace, what, budget)
	}

	// Pod hardening beyond what Pod Security checks.
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		p.add(where, "pod spec: want automountServiceAccountToken: false")
	}
	if sa, ok := one("ServiceAccount"); ok {
		account := sa.obj.(*corev1.ServiceAccount)
		if account.Name != spec.ServiceAccountName {
			p.add(where, "pod uses ServiceAccount %q, the rendered one is %q", spec.ServiceAccountName, account.Name)
		}
		if account.AutomountServiceAccountToken == nil || *account.AutomountServiceAccountToken {
			p.add(where, "ServiceAccount: want automountServiceAccountToken: false")
		}
	}
	for _, c := range allContainers(spec) {
		checkResources(c, where, p)
		uid := spec.SecurityContext.RunAsUser
		if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil {
			uid = c.SecurityContext.RunAsUser
		}
		if uid == nil || *uid != 65532 {
			p.add(where, "container %s: want runAsUser 65532, the image's numeric user", c.Name)
		}
		if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
			p.add(where, "container %s: want readOnlyRootFilesystem: true", c.Name)
		}
		if c.Image != "" && exp.pinnedImage && (!strings.Contains(c.Image, "/") || !hasTag(c.Image)) {
			p.add(where, "container %s: image %q names no registry or no tag", c.Name, c.Image)
		}
		if strings.HasSuffix(c.Image, ":latest") {
			p.add(where, "container %s: image %q uses the latest tag", c.Name, c.Image)
		}
	}
	checkTopologySpread(spec, podLabels, where, p)

	// Secrets only by reference.
	for _, o := range objects {
		_, podSpec, ok := podTemplate(o.obj)
		if !ok {
			continue
		}
		for _, c := range allContainers(podSpec) {
			for _, e := range c.Env {
				if secretLike.MatchString(e.Name) && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
					p.add(where, "%s/%s container %s: %s must come from a Secret (secretKeyRef)", o.gvk.Kind, o.name(), c.Name, e.Name)
				}
			}
		}
	}
	for _, cm := range byKind["ConfigMap"] {
		for key := range cm.obj.(*corev1.ConfigMap).Data {
			if secretLike.MatchString(key) {
				p.add(where, "ConfigMap %s holds %s: credentials belong in a Secret", cm.name(), key)
			}
		}
	}
	// What the service refuses to start without.
	if a.Auth == "jwt" {
		for _, v := range []string{"JWT_ISSUER", "JWT_AUDIENCE"} {
			if env[v] == "" {
				p.add(where, "container %s: --auth jwt needs %s", container.Name, v)
			}
		}
		_, secret := env["JWT_SECRET"]
		_, jwks := env["JWT_JWKS_URL"]
		if secret == jwks {
			p.add(where, "container %s: --auth jwt needs exactly one of JWT_SECRET and JWT_JWKS_URL", container.Name)
		}
	}
	for variable, want := range map[string]bool{"DATABASE_URL": a.postgres(), "REDIS_URL": a.redis()} {
		_, got := env[variable]
		if got != want {
			p.add(where, "container %s: %s set = %v, want %v", container.Name, variable, got, want)
		}
	}

	checkMigration(objects, spec, a, exp, where, p)
	checkMesh(objects, a, where, p)
	checkServiceObject(byKind["Service"], a, podLabels, where, p)

	if exp.hpa {
		if o, ok := one("HorizontalPodAutoscaler"); ok {
			hpa := o.obj.(*autoscalingv2.HorizontalPodAutoscaler)
			ref := hpa.Spec.ScaleTargetRef
			if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != dep.Name {
				p.add(where, "HorizontalPodAutoscaler targets %s %s/%s, want apps/v1 Deployment/%s", ref.APIVersion, ref.Kind, ref.Name, dep.Name)
			}
			if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 1 || *hpa.Spec.MinReplicas > hpa.Spec.MaxReplicas {
				p.add(where, "HorizontalPodAutoscaler: want 1 <= minReplicas <= maxReplicas")
			}
			if len(hpa.Spec.Metrics) == 0 {
				p.add(where, "HorizontalPodAutoscaler has no metrics")
			}
			if dep.Spec.Replicas != nil {
				p.add(where, "Deployment sets replicas although the HorizontalPodAutoscaler owns the count (every apply would reset it)")
			}
		}
	} else {
		none("HorizontalPodAutoscaler", "autoscaling is off")
	}
	if o, ok := one("PodDisruptionBudget"); ok {
		pdb := o.obj.(*policyv1.PodDisruptionBudget)
		if sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector); err != nil || sel.Empty() || !sel.Matches(podLabels) {
			p.add(where, "PodDisruptionBudget does not select the pods")
		}
		if pdb.Spec.MinAvailable == nil && pdb.Spec.MaxUnavailable == nil {
			p.add(where, "PodDisruptionBudget sets neither minAvailable nor maxUnavailable")
		}
	}
	if o, ok := one("NetworkPolicy"); ok {
		checkNetworkPolicy(o.obj.(*networkingv1.NetworkPolicy), container, a, podLabels, where, p)
	}
	if exp.serviceMonitor {
		if o, ok := one("ServiceMonitor"); ok {
			sm := o.obj.(*monitoringv1.ServiceMonitor)
			if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "http-admin" || sm.Spec.Endpoints[0].Path != "/metrics" {
				p.add(where, "ServiceMonitor: want one endpoint, port http-admin, path /metrics")
			}
			if svc := byKind["Service"]; len(svc) == 1 {
				sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
				if err != nil || sel.Empty() || !sel.Matches(labels.Set(svc[0].obj.(*corev1.Service).Labels)) {
					p.add(where, "ServiceMonitor does not select the Service")
				}
			}
		}
	} else {
		none("ServiceMonitor", "not asked for here")
	}
	httpAPI := a.Transport != "grpc"
	switch a.Ingress {
	case "ingress":
		want := 0
		if httpAPI {
			want++
		}
		if a.grpc() {
			want++
		}
		ingresses := byKind["Ingress"]
		if len(ingresses) != want {
			p.add(where, "want %d Ingress objects (one per API: --transport %s), got %d", want, a.Transport, len(ingresses))
		}
		var httpSeen, grpcSeen int
		for _, o := range ingresses {
			ing := o.obj.(*networkingv1.Ingress)
			if ing.Annotations[grpcBackendAnnotation] != "" {
				grpcSeen++
				checkGRPCIngress(ing, a, where, p)
			} else {
				httpSeen++
				checkIngress(ing, a, where, p)
			}
		}
		if len(ingresses) == want && (httpAPI != (httpSeen == 1) || a.grpc() != (grpcSeen == 1)) {
			p.add(where, "want an Ingress for each API served (--transport %s): %d for HTTP, %d for gRPC (marked by %s)", a.Transport, httpSeen, grpcSeen, grpcBackendAnnotation)
		}
		none("HTTPRoute", "--ingress ingress")
		none("GRPCRoute", "--ingress ingress")
	case "gateway":
		if httpAPI {
			if o, ok := one("HTTPRoute"); ok {
				checkHTTPRoute(o.obj.(*gatewayv1.HTTPRoute), a, where, p)
			}
		} else {
			none("HTTPRoute", "--transport grpc serves no HTTP API")
		}
		if a.grpc() {
			if o, ok := one("GRPCRoute"); ok {
				checkGRPCRoute(o.obj.(*gatewayv1.GRPCRoute), a, byKind["HTTPRoute"], where, p)
			}
		} else {
			none("GRPCRoute", "--transport http serves no gRPC API")
		}
		none("Ingress", "--ingress gateway")
	default:
		none("Ingress", "--ingress none")
		none("HTTPRoute", "--ingress none")
		none("GRPCRoute", "--ingress none")
	}
	checkNamespace(objects, byKind["Namespace"], exp, where, p)
}

func hasTag(image string) bool {
	slash := strings.LastIndex(image, "/")
	return strings.Contains(image[slash+1:], ":") || strings.Contains(image, "@sha256:")
}

func findContainer(list []corev1.Container, name string) *corev1.Container {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func allContainers(spec *corev1.PodSpec) []*corev1.Container {
	var all []*corev1.Container
	for i := range spec.InitContainers {
		all = append(all, &spec.InitContainers[i])
	}
	for i := range spec.Containers {
		all = append(all, &spec.Containers[i])
	}
	return all
}

func checkPorts(c *corev1.Container, a answers, where string, p *problems) {
	want := map[string]int32{"http": 8080, "http-admin": 9090}
	if a.grpc() {
		want["grpc"] = 9000
	}
	for _, port := range c.Ports {
		if n, ok := want[port.Name]; ok && n == port.ContainerPort {
			delete(want, port.Name)
		} else if !strings.HasPrefix(port.Name, "http") {
			p.add(where, "container %s: port %s: names start with http (or are grpc, with a gRPC transport) for mesh protocol detection", c.Name, port.Name)
		}
	}
	for name, n := range want {
		p.add(where, "container %s: want port %s = %d (HTTP_ADDR / GRPC_ADDR / ADMIN_ADDR defaults)", c.Name, name, n)
	}
}

func checkProbes(c *corev1.Container, where string, p *problems) {
	for _, probe := range []struct {
		kind  string
		probe *corev1.Probe
		path  string
	}{
		{"startupProbe", c.StartupProbe, "/health/startup"},
		{"livenessProbe", c.LivenessProbe, "/health/live"},
		{"readinessProbe", c.ReadinessProbe, "/health/ready"},
	} {
		if probe.probe == nil || probe.probe.HTTPGet == nil {
			p.add(where, "container %s: want an HTTP %s on %s", c.Name, probe.kind, probe.path)
			continue
		}
		get := probe.probe.HTTPGet
		if get.Path != probe.path || (get.Port != intstr.FromString("http") && get.Port != intstr.FromInt32(8080)) {
			p.add(where, "container %s: %s probes %s on port %s, want %s on http (8080)", c.Name, probe.kind, get.Path, get.Port.String(), probe.path)
		}
	}
}

// checkWorker checks the event worker Deployment: the API's image run as
// `worker`, probed on its admin port, and pods that no API Deployment selects
// (the API's Service, PDB and HPA must never pick them up).
func checkWorker(w *appsv1.Deployment, api []object, where string, p *problems) {
	podLabels := labels.Set(w.Spec.Template.Labels)
	if sel, err := metav1.LabelSelectorAsSelector(w.Spec.Selector); err != nil || !sel.Matches(podLabels) {
		p.add(where, "worker Deployment selector does not match its pod template labels")
	}
	for _, o := range api {
		if sel, err := metav1.LabelSelectorAsSelector(o.obj.(*appsv1.Deployment).Spec.Selector); err == nil && sel.Matches(podLabels) {
			p.add(where, "Deployment %s selects the worker's pods", o.name())
		}
	}
	c := findContainer(w.Spec.Template.Spec.Containers, "worker")
	if c == nil {
		p.add(where, "worker Deployment has no container named worker")
		return
	}
	if !slices.Equal(c.Args, []string{"worker"}) {
		p.add(where, "worker container: want args [worker], got %q", c.Args)
	}
	for _, probe := range []struct {
		kind  string
		probe *corev1.Probe
		path  string
	}{
		{"startupProbe", c.StartupProbe, "/health/startup"},
		{"livenessProbe", c.LivenessProbe, "/health/live"},
		{"readinessProbe", c.ReadinessProbe, "/health/ready"},
	} {
		if probe.probe == nil || probe.probe.HTTPGet == nil || probe.probe.HTTPGet.Path != probe.path ||
			(probe.probe.HTTPGet.Port != intstr.FromString("http-admin") && probe.probe.HTTPGet.Port != intstr.FromInt32(9090)) {
			p.add(where, "worker container: want an HTTP %s on %s, port http-admin (9090)", probe.kind, probe.path)
		}
	}
	checkResources(c, where, p)
	if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		p.add(where, "worker container: want readOnlyRootFilesystem")
	}
}

func checkResources(c *corev1.Container, where string, p *problems) {
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[r]; !ok {
			p.add(where, "container %s: no %s request", c.Name, r)
		}
		if _, ok := c.Resources.Limits[r]; !ok {
			p.add(where, "container %s: no %s limit", c.Name, r)
		}
	}
}

// containerEnv is the container's environment as the kubelet builds it:
// envFrom ConfigMaps (found among the rendered objects), then env. Values
// from a Secret are "<secret>".
func containerEnv(c *corev1.Container, objects []object, where string, p *problems) map[string]string {
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			continue
		}
		found := false
		for _, o := range objects {
			if cm, ok := o.obj.(*corev1.ConfigMap); ok && cm.Name == from.ConfigMapRef.Name {
				found = true
				for k, v := range cm.Data {
					env[from.Prefix+k] = v
				}
			}
		}
		if !found {
			p.add(where, "container %s: envFrom names ConfigMap %q, which is not rendered", c.Name, from.ConfigMapRef.Name)
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			env[e.Name] = "<secret>"
		} else {
			env[e.Name] = e.Value
		}
	}
	return env
}

func envDuration(env map[string]string, name string, def time.Duration, where string, p *problems) time.Duration {
	v, ok := env[name]
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.add(where, "%s=%q is not a Go duration", name, v)
		return def
	}
	return d
}

func checkTopologySpread(spec *corev1.PodSpec, podLabels labels.Set, where string, p *problems) {
	want := map[string]bool{"topology.kubernetes.io/zone": false, "kubernetes.io/hostname": false}
	for _, t := range spec.TopologySpreadConstraints {
		sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
		if err != nil || sel.Empty() || !sel.Matches(podLabels) {
			p.add(where, "topology spread on %s does not select the pods", t.TopologyKey)
			continue
		}
		if _, ok := want[t.TopologyKey]; ok {
			want[t.TopologyKey] = true
		}
	}
	for key, seen := range want {
		if !seen {
			p.add(where, "pods are not spread over %s", key)
		}
	}
}

// isMigrate reports whether a container runs `<binary> migrate up`.
func isMigrate(c *corev1.Container) bool {
	args := append(slices.Clone(c.Command), c.Args...)
	return len(args) >= 2 && args[len(args)-2] == "migrate" && args[len(args)-1] == "up"
}

func checkMigration(objects []object, spec *corev1.PodSpec, a answers, exp expectations, where string, p *problems) {
	initMigrations := 0
	for i := range spec.InitContainers {
		if isMigrate(&spec.InitContainers[i]) {
			initMigrations++
		}
	}
	var jobs []*batchv1.Job
	for _, o := range objects {
		if job, ok := o.obj.(*batchv1.Job); ok {
			for i := range job.Spec.Template.Spec.Containers {
				if isMigrate(&job.Spec.Template.Spec.Containers[i]) {
					jobs = append(jobs, job)
				}
			}
		}
	}
	switch {
	case !a.postgres():
		if initMigrations+len(jobs) > 0 {
			p.add(where, "migrations run although there is no database")
		}
	case exp.migration == "init" && (initMigrations != 1 || len(jobs) != 0):
		p.add(where, "want one init container running `migrate up` and no Job, got %d and %d", initMigrations, len(jobs))
	case exp.migration == "job" && (len(jobs) != 1 || initMigrations != 0):
		p.add(where, "want one Job running `migrate up` and no init container, got %d and %d", len(jobs), initMigrations)
	case exp.migration == "job":
		job := jobs[0]
		hooks := job.Annotations["helm.sh/hook"]
		if !strings.Contains(hooks, "pre-install") || !strings.Contains(hooks, "pre-upgrade") {
			p.add(where, "migration Job: want helm.sh/hook pre-install,pre-upgrade, got %q", hooks)
		}
		if job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever && job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
			p.add(where, "migration Job: restartPolicy must be Never or OnFailure")
		}
	}
}

func checkMesh(objects []object, a answers, where string, p *problems) {
	for _, o := range objects {
		podMeta, _, ok := podTemplate(o.obj)
		if !ok {
			continue
		}
		istio := podMeta.Labels["sidecar.istio.io/inject"] == "true"
		linkerd := podMeta.Annotations["linkerd.io/inject"] == "enabled"
		if istio != (a.Mesh == "istio") || linkerd != (a.Mesh == "linkerd") {
			p.add(where, "%s/%s: --mesh %s, but istio injection = %v and linkerd injection = %v", o.gvk.Kind, o.name(), a.Mesh, istio, linkerd)
		}
	}
}

func checkServiceObject(services []object, a answers, podLabels labels.Set, where string, p *problems) {
	if len(services) != 1 {
		p.add(where, "want exactly one Service, got %d", len(services))
		return
	}
	svc := services[0].obj.(*corev1.Service)
	if svc.Name != a.Name {
		p.add(where, "Service is named %q, want %q", svc.Name, a.Name)
	}
	if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
		p.add(where, "Service selector does not match the pods")
	}
	want := map[string]bool{"http": true, "http-admin": a.Metrics, "grpc": a.grpc()}
	for _, port := range svc.Spec.Ports {
		if port.Name == "grpc" {
			if port.AppProtocol == nil || *port.AppProtocol != "grpc" {
				p.add(where, "Service port grpc: want appProtocol grpc")
			}
		} else if !strings.HasPrefix(port.Name, "http") || port.AppProtocol == nil || *port.AppProtocol != "http" {
			p.add(where, "Service port %q: want an http… name and appProtocol http", port.Name)
		}
		if port.TargetPort != intstr.FromString(port.Name) {
			p.add(where, "Service port %q: want targetPort %q (the container port's name)", port.Name, port.Name)
		}
		if wanted, ok := want[port.Name]; !ok || !wanted {
			p.add(where, "Service port %q is not expected", port.Name)
		}
		delete(want, port.Name)
	}
	for name, wanted := range want {
		if wanted {
			p.add(where, "Service has no port %q", name)
		}
	}
}

func checkNetworkPolicy(np *networkingv1.NetworkPolicy, c *corev1.Container, a answers, podLabels labels.Set, where string, p *problems) {
	if sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector); err != nil || sel.Empty() || !sel.Matches(podLabels) {
		p.add(where, "NetworkPolicy does not select the pods")
	}
	if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) {
		p.add(where, "NetworkPolicy: want policyTypes to include Ingress")
	}
	number := map[string]int32{}
	for _, port := range c.Ports {
		number[port.Name] = port.ContainerPort
	}
	portIs := func(np networkingv1.NetworkPolicyPort, name string) bool {
		return np.Port != nil && (*np.Port == intstr.FromString(name) || *np.Port == intstr.FromInt32(number[name]))
	}
	apiOpen, adminRestricted := false, false
	grpcOpen := !a.grpc()
	for _, rule := range np.Spec.Ingress {
		for _, port := range rule.Ports {
			switch {
			case portIs(port, "http") && len(rule.From) == 0:
				apiOpen = true
			case a.grpc() && portIs(port, "grpc") && len(rule.From) == 0:
				grpcOpen = true
			case portIs(port, "http-admin"):
				if len(rule.From) == 0 {
					p.add(where, "NetworkPolicy opens the admin port (pprof%s) to everyone", "")
					continue
				}
				adminRestricted = true
				for _, peer := range rule.From {
					if peer.NamespaceSelector == nil || len(peer.NamespaceSelector.MatchLabels)+len(peer.NamespaceSelector.MatchExpressions) == 0 || peer.IPBlock != nil {
						p.add(where, "NetworkPolicy: the admin port must be open to named namespaces only")
					}
				}
			}
		}
		if len(rule.Ports) == 0 {
			p.add(where, "NetworkPolicy has an ingress rule for every port")
		}
	}
	if !apiOpen {
		p.add(where, "NetworkPolicy does not admit API traffic on port http")
	}
	if !grpcOpen {
		p.add(where, "NetworkPolicy does not admit gRPC API traffic on port grpc")
	}
	if !adminRestricted {
		p.add(where, "NetworkPolicy does not admit the monitoring namespace to the admin port")
	}
}

func checkIngress(ing *networkingv1.Ingress, a answers, where string, p *problems) {
	paths := ingressPaths(ing)
	for _, path := range paths {
		if !routesTo(path, a.Name, "http", 80) {
			p.add(where, "Ingress path %s does not route to Service %s port http", path.Path, a.Name)
		}
	}
	if len(paths) == 0 {
		p.add(where, "Ingress routes nothing")
	}
}

// ingressPaths lists the HTTP paths of every rule of ing.
func ingressPaths(ing *networkingv1.Ingress) []networkingv1.HTTPIngressPath {
	var paths []networkingv1.HTTPIngressPath
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP != nil {
			paths = append(paths, rule.HTTP.Paths...)
		}
	}
	return paths
}

// routesTo reports whether path's backend is the Service name on the port
// named portName or numbered port.
func routesTo(path networkingv1.HTTPIngressPath, name, portName string, port int32) bool {
	svc := path.Backend.Service
	return svc != nil && svc.Name == name && (svc.Port.Name == portName || svc.Port.Number == port)
}

func checkHTTPRoute(route *gatewayv1.HTTPRoute, a answers, where string, p *problems) {
	if len(route.Spec.ParentRefs) == 0 {
		p.add(where, "HTTPRoute has no parentRefs")
	}
	backends := 0
	for _, rule := range route.Spec.Rules {
		for _, ref := range rule.BackendRefs {
			backends++
			checkBackend("HTTPRoute", ref.BackendRef, a, 80, where, p)
		}
	}
	if backends == 0 {
		p.add(where, "HTTPRoute routes nothing")
	}
}

// checkBackend checks that a route's backend is the project's Service, on
// port.
func checkBackend(kind string, ref gatewayv1.BackendRef, a answers, port gatewayv1.PortNumber, where string, p *problems) {
	if string(ref.Name) != a.Name || ref.Port == nil || *ref.Port != port || (ref.Kind != nil && *ref.Kind != "Service") {
		p.add(where, "%s backend %s does not route to Service %s port %d", kind, ref.Name, a.Name, port)
	}
}

// grpcBackendAnnotation tells ingress-nginx that the backend speaks gRPC
// (HTTP/2); an Ingress of the gRPC API needs it.
const grpcBackendAnnotation = "nginx.ingress.kubernetes.io/backend-protocol"

// checkGRPCIngress checks the Ingress of the gRPC API: the annotation says
// GRPC, and every path routes the API's service, and only it, to the
// Service's grpc port.
func checkGRPCIngress(ing *networkingv1.Ingress, a answers, where string, p *problems) {
	if got := ing.Annotations[grpcBackendAnnotation]; got != "GRPC" {
		p.add(where, "gRPC Ingress %s: %s is %q, want GRPC", ing.Name, grpcBackendAnnotation, got)
	}
	if len(ing.Spec.TLS) == 0 {
		p.add(where, "gRPC Ingress %s has no TLS: clients negotiate HTTP/2 by ALPN", ing.Name)
	}
	paths := ingressPaths(ing)
	routed := map[string]bool{}
	for _, path := range paths {
		svc := strings.TrimSuffix(strings.TrimPrefix(path.Path, "/"), "/")
		if !slices.Contains(a.APIServices, svc) || path.Path != "/"+svc+"/" {
			p.add(where, "gRPC Ingress %s path %s: want /%s/ (the API's services only)", ing.Name, path.Path, strings.Join(a.APIServices, "/ or /"))
		}
		routed[svc] = true
		if !routesTo(path, a.Name, "grpc", 9000) {
			p.add(where, "gRPC Ingress %s path %s does not route to Service %s port grpc", ing.Name, path.Path, a.Name)
		}
	}
	for _, svc := range a.APIServices {
		if !routed[svc] {
			p.add(where, "gRPC Ingress %s does not route the API's service %s", ing.Name, svc)
		}
	}
}

// checkGRPCRoute checks the GRPCRoute of the gRPC API: it has a parent,
// matches the API's service and routes it to the Service's port 9000, and it
// shares no hostname with an HTTPRoute (GEP-1016 forbids both kinds on one
// hostname of a listener).
func checkGRPCRoute(route *gatewayv1.GRPCRoute, a answers, httpRoutes []object, where string, p *problems) {
	if len(route.Spec.ParentRefs) == 0 {
		p.add(where, "GRPCRoute has no parentRefs")
	}
	backends := 0
	matched := map[string]bool{}
	for _, rule := range route.Spec.Rules {
		if len(rule.Matches) == 0 {
			p.add(where, "GRPCRoute rule matches every service: want only %s", strings.Join(a.APIServices, ", "))
		}
		for _, m := range rule.Matches {
			if m.Method == nil || m.Method.Service == nil || !slices.Contains(a.APIServices, *m.Method.Service) {
				p.add(where, "GRPCRoute match is not one of the API's services %s", strings.Join(a.APIServices, ", "))
				continue
			}
			matched[*m.Method.Service] = true
		}
		for _, ref := range rule.BackendRefs {
			backends++
			checkBackend("GRPCRoute", ref.BackendRef, a, 9000, where, p)
		}
	}
	if backends == 0 {
		p.add(where, "GRPCRoute routes nothing")
	}
	for _, svc := range a.APIServices {
		if !matched[svc] {
			p.add(where, "GRPCRoute does not match the API's service %s", svc)
		}
	}
	for _, o := range httpRoutes {
		for _, h := range o.obj.(*gatewayv1.HTTPRoute).Spec.Hostnames {
			if slices.Contains(route.Spec.Hostnames, h) {
				p.add(where, "GRPCRoute and HTTPRoute share the hostname %s (GEP-1016: not on one listener)", h)
			}
		}
	}
}

func checkNamespace(objects, namespaces []object, exp expectations, where string, p *problems) {
	if !exp.namespace {
		if len(namespaces) > 0 {
			p.add(where, "want no Namespace object here")
		}
		return
	}
	if len(namespaces) != 1 {
		p.add(where, "want exactly one Namespace, got %d", len(namespaces))
		return
	}
	ns := namespaces[0].obj.(*corev1.Namespace)
	if ns.Labels[psaapi.EnforceLevelLabel] != string(psaapi.LevelRestricted) {
		p.add(where, "Namespace %s: want label %s=restricted", ns.Name, psaapi.EnforceLevelLabel)
	}
	for _, o := range objects {
		m, err := meta(o.obj)
		if err != nil || o.gvk.Kind == "Namespace" {
			continue
		}
		if m.GetNamespace() != ns.Name {
			p.add(where, "%s/%s is in namespace %q, not %q", o.gvk.Kind, o.name(), m.GetNamespace(), ns.Name)
		}
	}
}

// runK8s builds the kustomize base and every overlay with krusty (the
// kustomize library that `kubectl apply -k` embeds) and checks each result.
// With -rendered <file> -overlay <dev|prod> it checks a stream rendered
// elsewhere (`make k8s-render`) against that overlay's expectations instead.
func runK8s(args []string) (result, error) {
	project := args[0]
	flags := flag.NewFlagSet("k8s", flag.ContinueOnError)
	rendered := flags.String("rendered", "", "a multi-document YAML file to check instead of building")
	overlay := flags.String("overlay", "", "the overlay the rendered file comes from: dev or prod")
	if err := flags.Parse(args[1:]); err != nil {
		return result{}, err
	}
	a, err := loadAnswers(project)
	if err != nil {
		return result{}, err
	}
	var p problems
	info := map[string]any{}
	targets := []struct {
		dir string
		exp expectations
	}{
		{"base", expectations{migration: "init", hpa: true}},
		{"overlays/dev", expectations{migration: "init", hpa: true, namespace: true, pinnedImage: true}},
		{"overlays/prod", expectations{migration: "init", hpa: true, namespace: true, pinnedImage: true, serviceMonitor: a.Metrics}},
	}
	if *rendered != "" {
		stream, err := os.ReadFile(*rendered)
		if err != nil {
			return result{}, err
		}
		for _, target := range targets {
			if target.dir == "overlays/"+*overlay {
				objects := decodeDocuments(stream, *rendered, &p)
				pods := checkPodSecurity(objects, &p)
				checkService(objects, a, target.exp, *rendered, &p)
				info[*rendered] = summary(objects, pods)
				return result{Problems: p.list, Info: info}, nil
			}
		}
		return result{}, fmt.Errorf("-overlay %q: want dev or prod", *overlay)
	}
	for _, target := range targets {
		dir := filepath.Join(project, "deploy", "k8s", filepath.FromSlash(target.dir))
		k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
		resources, err := k.Run(filesys.MakeFsOnDisk(), dir)
		if err != nil {
			p.add(target.dir, "kustomize build: %v", err)
			continue
		}
		stream, err := resources.AsYaml()
		if err != nil {
			p.add(target.dir, "kustomize output: %v", err)
			continue
		}
		objects := decodeDocuments(stream, target.dir, &p)
		pods := checkPodSecurity(objects, &p)
		checkService(objects, a, target.exp, target.dir, &p)
		info[target.dir] = summary(objects, pods)
	}
	return result{Problems: p.list, Info: info}, nil
}

// summary lists what was checked, for the test log.
func summary(objects []object, pods int) map[string]any {
	kinds := []string{}
	for _, o := range objects {
		kinds = append(kinds, fmt.Sprintf("%s %s/%s", o.gvk.GroupVersion(), o.gvk.Kind, o.name()))
	}
	return map[string]any{"objects": kinds, "podTemplatesEvaluated": pods}
}
