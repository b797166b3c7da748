package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
	return state.Answers, nil
}
