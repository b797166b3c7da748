package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
)

// answers are the create-service answers a project was generated with, as
// recorded in its state file: they say which objects must be there.
type answers struct {
	Name    string   `json:"name"`
	DB      string   `json:"db"`
	Cache   string   `json:"cache"`
	Metrics bool     `json:"metrics"`
	Tracing bool     `json:"tracing"`
	Auth    string   `json:"auth"`
	Deploy  []string `json:"deploy"`
	CI      string   `json:"ci"`
	Mesh    string   `json:"mesh"`
	Ingress string   `json:"ingress"`
	// Queue is "" (recorded before the option existed) or "none" when the
	// project has no events.
	Queue string `json:"queue"`
	// Transport is http, grpc or both; empty (a project made before the
	// option existed) means http.
	Transport string `json:"transport"`

	// APIServices are the fully qualified gRPC services of the API, one per
	// resource ("orders.v1.ItemService"), read from the project's .proto
	// files, sorted; empty without a gRPC API.
	APIServices []string `json:"-"`
}

// grpc reports whether the project serves a gRPC API (port grpc, 9000).
func (a answers) grpc() bool { return a.Transport == "grpc" || a.Transport == "both" }

func (a answers) postgres() bool { return a.DB == "postgres" }
func (a answers) redis() bool    { return a.Cache == "redis" }
func (a answers) events() bool   { return a.Queue != "" && a.Queue != "none" }
func (a answers) deploys(what string) bool {
	return slices.Contains(a.Deploy, what)
}

// loadAnswers reads <project>/.create-service/state.json.
func loadAnswers(project string) (answers, error) {
	var state struct {
		Answers answers `json:"answers"`
	}
	data, err := os.ReadFile(filepath.Join(project, ".create-service", "state.json"))
	if err != nil {
		return answers{}, fmt.Errorf("not a generated project: %w", err)
	}
	if err := json.Unmarshal(data, &state); err != nil {
		return answers{}, fmt.Errorf("state file: %w", err)
	}
	if state.Answers.Name == "" {
		return answers{}, fmt.Errorf("state file has no answers.name")
	}
	if state.Answers.grpc() {
		svc, err := protoService(project)
		if err != nil {
			return answers{}, err
		}
		state.Answers.APIServices = svc
	}
	return state.Answers, nil
}

var (
	protoPackage = regexp.MustCompile(`(?m)^package\s+([\w.]+)\s*;`)
	protoSvc     = regexp.MustCompile(`(?m)^service\s+(\w+)\s*\{`)
)

// protoService returns "<package>.<Service>" of the service each of the
// project's api/proto/*/v1/*.proto declares (one per resource), sorted.
func protoService(project string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(project, "api", "proto", "*", "v1", "*.proto"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("want api/proto/*/v1/*.proto in a project with a gRPC API, found %d", len(files))
	}
	var services []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		pkg, svc := protoPackage.FindSubmatch(src), protoSvc.FindAllSubmatch(src, -1)
		if pkg == nil || len(svc) != 1 {
			return nil, fmt.Errorf("%s: want a package and one service", f)
		}
		services = append(services, string(pkg[1])+"."+string(svc[0][1]))
	}
	slices.Sort(services)
	return services, nil
}
