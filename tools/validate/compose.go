package main

import (
	"context"
	"path/filepath"
	"slices"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// runCompose loads compose.yaml with compose-go, the loader of `docker
// compose` itself: it validates the file against the Compose Specification
// schema, interpolates, and checks references (depends_on, volumes). Every
// profile is enabled, so no service escapes the checks.
func runCompose(args []string) (result, error) {
	project := args[0]
	a, err := loadAnswers(project)
	if err != nil {
		return result{}, err
	}
	var p problems
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(project, "compose.yaml")},
		cli.WithWorkingDirectory(project),
		cli.WithProfiles([]string{"*"}),
		cli.WithDotEnv,
	)
	if err != nil {
		return result{}, err
	}
	proj, err := opts.LoadProject(context.Background())
	if err != nil {
		p.add("compose.yaml", "%v", err)
		return result{Problems: p.list}, nil
	}

	app, ok := proj.Services[a.Name]
	if !ok {
		p.add("compose.yaml", "no service %q", a.Name)
		return result{Problems: p.list}, nil
	}
	if app.Build == nil {
		p.add("compose.yaml", "service %s is not built from the Dockerfile", a.Name)
	}
	if len(app.EnvFiles) == 0 || filepath.Base(app.EnvFiles[0].Path) != ".env" || app.EnvFiles[0].Required {
		p.add("compose.yaml", "service %s: want env_file .env, optional", a.Name)
	}
	if !app.ReadOnly || !slices.Contains(app.CapDrop, "ALL") {
		p.add("compose.yaml", "service %s: want read_only and cap_drop ALL", a.Name)
	}
	wantDeps := map[string]string{}
	if a.postgres() {
		wantDeps["postgres"] = types.ServiceConditionHealthy
		wantDeps["migrate"] = types.ServiceConditionCompletedSuccessfully
	}
	if a.redis() {
		wantDeps["redis"] = types.ServiceConditionHealthy
	}
	if a.events() {
		wantDeps[a.Queue] = types.ServiceConditionHealthy
	}
	for dep, condition := range wantDeps {
		got, ok := app.DependsOn[dep]
		if !ok || got.Condition != condition {
			p.add("compose.yaml", "service %s: want depends_on %s with condition %s", a.Name, dep, condition)
		}
	}
	if a.events() {
		worker, ok := proj.Services["worker"]
		switch {
		case !ok:
			p.add("compose.yaml", "--queue %s: no worker service", a.Queue)
		case !slices.Equal([]string(worker.Command), []string{"worker"}) || worker.Image != app.Image:
			p.add("compose.yaml", "worker: want the image of %s with command [worker]", a.Name)
		case worker.DependsOn[a.Queue].Condition != types.ServiceConditionHealthy:
			p.add("compose.yaml", "worker: want depends_on %s service_healthy", a.Queue)
		case !worker.ReadOnly || !slices.Contains(worker.CapDrop, "ALL"):
			p.add("compose.yaml", "worker: want read_only and cap_drop ALL")
		}
	}
	for name, svc := range proj.Services {
		if name == "worker" && a.events() {
			continue
		}
		if _, ok := wantDeps[name]; !ok && name != a.Name {
			p.add("compose.yaml", "unexpected service %q", name)
		}
		if (name == "postgres" || name == "redis" || (a.events() && name == a.Queue)) && svc.HealthCheck == nil {
			p.add("compose.yaml", "service %s has no healthcheck", name)
		}
	}
	if a.postgres() {
		pg := proj.Services["postgres"]
		named := false
		for _, v := range pg.Volumes {
			if v.Type == types.VolumeTypeVolume && v.Target == "/var/lib/postgresql" {
				_, named = proj.Volumes[v.Source]
			}
		}
		if !named {
			p.add("compose.yaml", "postgres: want a named volume on /var/lib/postgresql (PostgreSQL 18+ images)")
		}
		migrate := proj.Services["migrate"]
		if !slices.Equal([]string(migrate.Command), []string{"migrate", "up"}) {
			p.add("compose.yaml", "migrate: want command [migrate, up], got %q", migrate.Command)
		}
		if migrate.DependsOn["postgres"].Condition != types.ServiceConditionHealthy {
			p.add("compose.yaml", "migrate: want depends_on postgres service_healthy")
		}
	}
	names := []string{}
	for name := range proj.Services {
		names = append(names, name)
	}
	slices.Sort(names)
	return result{Problems: p.list, Info: map[string]any{"services": names}}, nil
}
