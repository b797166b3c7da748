package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint/support"
)

// kubeVersion is the oldest Kubernetes the chart declares (Chart.yaml
// kubeVersion): lint and render against it, so nothing newer is assumed.
const kubeVersion = "v1.30.0"

// runHelm lints the chart and renders it with the Helm SDK, the library
// behind `helm lint` and `helm template`, then checks the objects like the
// kustomize output: with the default values, with every optional object
// switched on, and with autoscaling off.
func runHelm(args []string) (result, error) {
	project := args[0]
	a, err := loadAnswers(project)
	if err != nil {
		return result{}, err
	}
	dir := filepath.Join(project, "deploy", "helm", a.Name)
	kube, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		return result{}, err
	}
	var p problems
	info := map[string]any{}

	// helm lint --strict: warnings fail too; informational notes are listed.
	lint := action.NewLint()
	lint.Strict = true
	lint.Namespace = a.Name
	lint.KubeVersion = kube
	res := lint.Run([]string{dir}, map[string]any{})
	var notes []string
	for _, msg := range res.Messages {
		if msg.Severity < support.WarningSev {
			notes = append(notes, msg.Err.Error())
		}
	}
	for _, err := range res.Errors {
		p.add("helm lint", "%v", err)
	}
	info["lint"] = map[string]any{"chartsLinted": res.TotalChartsLinted, "notes": notes}

	chrt, err := loader.Load(dir)
	if err != nil {
		p.add("helm", "load chart: %v", err)
		return result{Problems: p.list, Info: info}, nil
	}
	renders := []struct {
		name   string
		values map[string]any
		exp    expectations
	}{
		{"helm template (default values)", map[string]any{}, expectations{migration: "job", hpa: true, pinnedImage: true}},
		{"helm template (autoscaling off)", map[string]any{"autoscaling": map[string]any{"enabled": false}}, expectations{migration: "job", pinnedImage: true}},
	}
	if a.Metrics {
		renders = append(renders, struct {
			name   string
			values map[string]any
			exp    expectations
		}{"helm template (serviceMonitor on)", map[string]any{"serviceMonitor": map[string]any{"enabled": true}}, expectations{migration: "job", hpa: true, pinnedImage: true, serviceMonitor: true}})
	}
	for _, r := range renders {
		install := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
		install.DryRun = true
		install.DryRunOption = "client"
		install.ClientOnly = true
		install.Replace = true
		install.ReleaseName = a.Name
		install.Namespace = a.Name
		install.KubeVersion = kube
		// The values as `helm template --set` would pass them: validated
		// against values.schema.json and merged over values.yaml.
		rel, err := install.Run(chrt, r.values)
		if err != nil {
			p.add(r.name, "%v", err)
			continue
		}
		var stream strings.Builder
		stream.WriteString(rel.Manifest)
		for _, hook := range rel.Hooks {
			fmt.Fprintf(&stream, "\n---\n# Source: %s\n%s\n", hook.Path, hook.Manifest)
		}
		objects := decodeDocuments([]byte(stream.String()), r.name, &p)
		pods := checkPodSecurity(objects, &p)
		checkService(objects, a, r.exp, r.name, &p)
		info[r.name] = summary(objects, pods)
	}
	return result{Problems: p.list, Info: info}, nil
}
