package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// hello serves the bare net/http hello-world: no router, no middleware, one
// handler writing a fixed body. It is the floor the generated service is
// measured against: everything it does beyond this costs throughput.
//
// With -body FILE it answers with that file's bytes as application/json
// (the benchmark passes the item JSON every server returns).
//
// With -redis ADDR each request first reads one key from Redis over a pool
// of plain TCP connections (one RESP GET, no client library), and answers
// with the value: the floor of a GET served from a Redis cache, one network
// round trip more than hello.
func hello(args []string) error {
	fs := flag.NewFlagSet("hello", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	redisAddr := fs.String("redis", "", "Redis address (host:port): read a key from it on every request")
	bodyFile := fs.String("body", "", "answer with this file's bytes as application/json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	body, contentType := []byte("hello, world\n"), "text/plain; charset=utf-8"
	if *bodyFile != "" {
		b, err := os.ReadFile(*bodyFile)
		if err != nil {
			return err
		}
		body, contentType = b, "application/json"
	}
	if *redisAddr != "" {
		h, err := redisHello(*redisAddr, body, contentType)
		if err != nil {
			return err
		}
		return serve(*addr, h)
	}
	return serve(*addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}))
}

// redisHello sets a key to body in the Redis at addr and returns a handler
// that GETs it on every request over a pool of up to 64 connections and
// answers with it as contentType.
func redisHello(addr string, body []byte, contentType string) (http.Handler, error) {
	const key = "benchtool:hello"
	type conn struct {
		c  net.Conn
		rd *bufio.Reader
	}
	dial := func() (*conn, error) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		return &conn{c: c, rd: bufio.NewReader(c)}, nil
	}
	// roundTrip sends one command and reads a bulk string or simple reply.
	roundTrip := func(cn *conn, cmd []byte) ([]byte, error) {
		if _, err := cn.c.Write(cmd); err != nil {
			return nil, err
		}
		line, err := cn.rd.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		if len(line) < 3 || line[0] != '$' {
			return append([]byte(nil), line...), nil
		}
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("redis reply %q", line)
		}
		v := make([]byte, n+2)
		if _, err := io.ReadFull(cn.rd, v); err != nil {
			return nil, err
		}
		return v[:n], nil
	}
	setup, err := dial()
	if err != nil {
		return nil, err
	}
	set := fmt.Sprintf("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(body), body)
	if _, err := roundTrip(setup, []byte(set)); err != nil {
		return nil, err
	}
	get := []byte(fmt.Sprintf("*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(key), key))
	pool := make(chan *conn, 64)
	pool <- setup
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		var (
			cn  *conn
			err error
		)
		select {
		case cn = <-pool:
		default:
			if cn, err = dial(); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
		}
		v, err := roundTrip(cn, get)
		if err != nil {
			_ = cn.c.Close()
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		select {
		case pool <- cn:
		default:
			_ = cn.c.Close()
		}
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(v)
	}), nil
}

// sink accepts OTLP/HTTP exports (POST /v1/traces) and discards them with
// an empty, valid ExportTraceServiceResponse, so that the benchmarked
// service pays the full cost of exporting its spans without a collector.
func sink(args []string) error {
	fs := flag.NewFlagSet("sink", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return serve(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
}

// serve listens on addr, prints the bound address and serves h until
// SIGINT or SIGTERM.
func serve(addr string, h http.Handler) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	fmt.Printf("listening %s\n", l.Addr())
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve(l) }()
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	}
}
