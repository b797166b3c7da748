package main

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"flag"
	"os"
)

var errNotStatic = errors.New("not static")

// runBinary proves a binary built by the Dockerfile's command line is what
// the distroless/static image needs: statically linked (no interpreter, no
// dynamic section), stripped, built without cgo and with -trimpath.
func runBinary(args []string) (result, error) {
	path := args[0]
	flags := flag.NewFlagSet("binary", flag.ContinueOnError)
	version := flags.String("version", "", "the version the binary must carry")
	if err := flags.Parse(args[1:]); err != nil {
		return result{}, err
	}
	var p problems
	f, err := elf.Open(path)
	if err != nil {
		return result{}, err
	}
	defer func() { _ = f.Close() }()
	for _, prog := range f.Progs {
		switch prog.Type {
		case elf.PT_INTERP:
			p.add(path, "has a program interpreter: dynamically linked (%v)", errNotStatic)
		case elf.PT_DYNAMIC:
			p.add(path, "has a dynamic segment (%v)", errNotStatic)
		}
	}
	if f.Section(".dynamic") != nil {
		p.add(path, "has a .dynamic section (%v)", errNotStatic)
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		p.add(path, "needs shared libraries %v", libs)
	}
	if f.Section(".symtab") != nil {
		p.add(path, "has a symbol table: not built with -ldflags=-s")
	}
	info := map[string]any{"class": f.Class.String(), "machine": f.Machine.String()}
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		p.add(path, "no Go build information: %v", err)
		return result{Problems: p.list, Info: info}, nil
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	info["goVersion"] = bi.GoVersion
	info["settings"] = settings
	if settings["CGO_ENABLED"] != "0" {
		p.add(path, "built with CGO_ENABLED=%q", settings["CGO_ENABLED"])
	}
	if settings["-trimpath"] != "true" {
		p.add(path, "not built with -trimpath")
	}
	// The build info omits -ldflags under -trimpath (go.dev/issue/52372), so
	// look for the stamped string itself: -X only writes it when the
	// variable it names exists.
	if *version != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return result{}, err
		}
		if !bytes.Contains(data, []byte(*version)) {
			p.add(path, "does not contain the version %q that -ldflags -X was to stamp (does the variable it names exist?)", *version)
		}
	}
	return result{Problems: p.list, Info: info}, nil
}
