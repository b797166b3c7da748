package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The load generator. In open-loop mode (-rate > 0) requests are scheduled
// at a constant rate from the start, whatever the server does, and every
// latency is measured from the moment the request was due, not from the
// moment it could be sent: when all connections are busy the wait counts
// against the server. That is the correction for coordinated omission that
// wrk2 introduced; a generator that measures from the send (fortio, wrk) hides
// exactly the stalls a constant-rate test is meant to find. The delay between
// due and sent is reported separately as the schedule lag, so a generator that
// cannot keep up is visible as such.
//
// In closed-loop mode (-rate 0) each of -conns workers sends its next
// request as soon as the previous one completes: the maximum throughput.

// target is one request of the rotation.
type target struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Body    string            `json:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

type loadConfig struct {
	rate        float64
	duration    time.Duration
	warmup      time.Duration
	timeout     time.Duration
	conns       int
	maxRequests int
	keepAlive   bool
	targets     []target
	eventsPath  string
	probeURL    string
	probeEvery  time.Duration
	watchPID    int
	// unreadyStop, when positive, plays a load balancer: once a probe fails,
	// no request due more than unreadyStop later is sent.
	unreadyStop time.Duration
}

// sample is the outcome of one request; times are offsets from the start.
type sample struct {
	intended, sent, done time.Duration
	code                 int // 0: no response
	errClass             string
	errMsg               string
	target               int
	retryAfter           bool
}

// probe is one readiness answer; T is when it arrived, S when it was asked.
type probe struct {
	S    float64 `json:"s"`
	T    float64 `json:"t"`
	Code int     `json:"c"`
	Err  string  `json:"e,omitempty"`
	Body string  `json:"b,omitempty"`
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	var (
		cfg         loadConfig
		targetFlags multiFlag
		targetsFile string
		body        string
		out         string
	)
	fs.Float64Var(&cfg.rate, "rate", 0, "requests per second, open loop; 0 for closed loop")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to send requests")
	fs.DurationVar(&cfg.warmup, "warmup", 0, "requests due in this first part of -duration are sent but left out of the statistics")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "client timeout of one request")
	fs.IntVar(&cfg.conns, "conns", 32, "connections, and so requests in flight, at most")
	fs.IntVar(&cfg.maxRequests, "max-requests", 1_000_000, "hard cap on the requests sent")
	fs.BoolVar(&cfg.keepAlive, "keepalive", true, "reuse connections")
	fs.Var(&targetFlags, "target", `"METHOD URL", repeatable; the targets are used in rotation`)
	fs.StringVar(&targetsFile, "targets", "", "JSON file: an array of {method, url, body, headers}")
	fs.StringVar(&body, "body", "", "body of every -target request that has none")
	fs.StringVar(&cfg.eventsPath, "events", "", "write one JSON line per request to this file")
	fs.StringVar(&cfg.probeURL, "probe", "", "GET this URL every -probe-every on a fresh connection, recording each answer")
	fs.DurationVar(&cfg.probeEvery, "probe-every", 20*time.Millisecond, "probe interval")
	fs.IntVar(&cfg.watchPID, "watch-pid", 0, "sample this process's resident memory every 100 ms")
	fs.DurationVar(&cfg.unreadyStop, "stop-after-unready", 0, "act as a load balancer: stop sending this long after the first failed -probe")
	fs.StringVar(&out, "out", "", "write the JSON report here instead of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, t := range targetFlags {
		method, url, ok := strings.Cut(strings.TrimSpace(t), " ")
		if !ok {
			return fmt.Errorf("-target %q: want \"METHOD URL\"", t)
		}
		cfg.targets = append(cfg.targets, target{Method: method, URL: strings.TrimSpace(url), Body: body})
	}
	if targetsFile != "" {
		raw, err := os.ReadFile(targetsFile) // #nosec G304 -- a path the caller chose
		if err != nil {
			return err
		}
		var ts []target
		if err := json.Unmarshal(raw, &ts); err != nil {
			return fmt.Errorf("%s: %w", targetsFile, err)
		}
		cfg.targets = append(cfg.targets, ts...)
	}
	if len(cfg.targets) == 0 {
		return errors.New("no targets: give -target or -targets")
	}
	if cfg.conns < 1 || cfg.duration <= 0 || cfg.maxRequests < 1 {
		return errors.New("-conns, -duration and -max-requests must be positive")
	}

	rep, err := runLoad(cfg)
	if err != nil {
		return err
	}
	enc, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(append(enc, '\n'))
		return err
	}
	return os.WriteFile(out, append(enc, '\n'), 0o600)
}

func runLoad(cfg loadConfig) (*report, error) {
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        cfg.conns,
		MaxIdleConnsPerHost: cfg.conns,
		MaxConnsPerHost:     cfg.conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		DisableKeepAlives:   !cfg.keepAlive,
	}
	client := &http.Client{Transport: transport, Timeout: cfg.timeout}
	defer transport.CloseIdleConnections()

	bodies := make([][]byte, len(cfg.targets))
	for i, t := range cfg.targets {
		bodies[i] = []byte(t.Body)
	}

	start := time.Now()
	deadline := cfg.duration
	// Requests not started by then are counted as unsent: the run is bounded
	// in time even when the server stalls.
	hardStop := cfg.duration + cfg.timeout

	total := cfg.maxRequests
	if cfg.rate > 0 {
		total = min(total, int(math.Ceil(cfg.rate*cfg.duration.Seconds())))
	}
	jobs := make(chan time.Duration, min(total, 1<<20))
	ctx, cancel := context.WithTimeout(context.Background(), hardStop)
	defer cancel()

	// stopAt is when the simulated load balancer stops sending (see
	// -stop-after-unready); a due time after it ends the run.
	var stopAt atomic.Int64
	stopAt.Store(math.MaxInt64)
	var issued int64
	var issuedMu sync.Mutex
	// take returns the due time of the next request, or false when the run is over.
	take := func() (time.Duration, bool) {
		if cfg.rate > 0 {
			select {
			case due, ok := <-jobs:
				if !ok || time.Since(start) > hardStop || int64(due) > stopAt.Load() {
					return 0, false
				}
				return due, true
			case <-ctx.Done():
				return 0, false
			}
		}
		now := time.Since(start)
		issuedMu.Lock()
		defer issuedMu.Unlock()
		if now >= deadline || issued >= int64(total) || int64(now) > stopAt.Load() {
			return 0, false
		}
		issued++
		return now, true
	}
	if cfg.rate > 0 {
		go func() {
			defer close(jobs)
			interval := float64(time.Second) / cfg.rate
			for i := range total {
				due := time.Duration(float64(i) * interval)
				if int64(due) > stopAt.Load() {
					return
				}
				// Timers are about a millisecond coarse: wake up to a
				// millisecond early rather than late (see latencyFrom).
				if wait := due - time.Millisecond - time.Since(start); wait > 0 {
					time.Sleep(wait)
				}
				select {
				case jobs <- due:
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	var probes []probe
	var probeWG sync.WaitGroup
	probeStop := make(chan struct{})
	if cfg.probeURL != "" {
		probeWG.Add(1)
		go func() {
			defer probeWG.Done()
			probes = runProbes(cfg, start, probeStop, func(at time.Duration) {
				if cfg.unreadyStop > 0 {
					stopAt.CompareAndSwap(math.MaxInt64, int64(at+cfg.unreadyStop))
				}
			})
		}()
	}
	var rss rssWatch
	watchStop := make(chan struct{})
	if cfg.watchPID > 0 {
		probeWG.Add(1)
		go func() {
			defer probeWG.Done()
			rss = watchRSS(cfg.watchPID, start, watchStop)
		}()
	}

	results := make([][]sample, cfg.conns)
	var wg sync.WaitGroup
	for w := range cfg.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq := w
			for {
				due, ok := take()
				if !ok {
					return
				}
				ti := seq % len(cfg.targets)
				seq += cfg.conns
				results[w] = append(results[w], do(ctx, client, start, due, ti, cfg.targets[ti], bodies[ti]))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if cfg.probeURL != "" {
		// Probes watch the whole -duration, even when sending stopped early.
		time.Sleep(cfg.duration - time.Since(start))
	}
	close(probeStop)
	close(watchStop)
	probeWG.Wait()

	var all []sample
	for _, r := range results {
		all = append(all, r...)
	}
	slices.SortFunc(all, func(a, b sample) int { return int(a.intended - b.intended) })
	if cfg.eventsPath != "" {
		if err := writeEvents(cfg.eventsPath, all); err != nil {
			return nil, err
		}
	}
	rep := summarize(cfg, all, total, elapsed)
	rep.StartUnixMs = float64(start.UnixNano()) / 1e6
	rep.Probes = probes
	if at := stopAt.Load(); at != math.MaxInt64 {
		rep.StoppedAtMs = ms(time.Duration(at))
	}
	if cfg.watchPID > 0 {
		rep.RSS = &rss
	}
	return rep, nil
}

func do(ctx context.Context, client *http.Client, start time.Time, due time.Duration, ti int, t target, body []byte) sample {
	s := sample{intended: due, target: ti}
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, t.Method, t.URL, rd)
	if err != nil {
		s.sent = time.Since(start)
		s.done = s.sent
		s.errClass, s.errMsg = "other", err.Error()
		return s
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range t.Headers {
		req.Header.Set(k, v)
	}
	s.sent = time.Since(start)
	resp, err := client.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		s.code = resp.StatusCode
		s.retryAfter = resp.Header.Get("Retry-After") != ""
		if err != nil {
			s.code = 0
		}
	}
	s.done = time.Since(start)
	if err != nil {
		s.errClass, s.errMsg = classify(err), err.Error()
	}
	return s
}

// classify names the way a request failed. "refused" happens before the
// server accepted anything; "eof" and "reset" are connections the server
// closed with the request on them.
func classify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		strings.Contains(err.Error(), "server closed idle connection"):
		return "eof"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	default:
		return "other"
	}
}

// runProbes probes until stop, calling failed with the time of every probe
// that does not answer 200.
func runProbes(cfg loadConfig, start time.Time, stop <-chan struct{}, failed func(time.Duration)) []probe {
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   time.Second,
	}
	var out []probe
	tick := time.NewTicker(cfg.probeEvery)
	defer tick.Stop()
	for {
		p := probe{S: ms(time.Since(start))}
		resp, err := client.Get(cfg.probeURL)
		p.T = ms(time.Since(start))
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 400))
			_ = resp.Body.Close()
			p.Code, p.Body = resp.StatusCode, string(b)
		} else {
			p.Err = classify(err)
		}
		out = append(out, p)
		if p.Code != http.StatusOK {
			failed(time.Since(start))
		}
		select {
		case <-stop:
			return out
		case <-tick.C:
		}
	}
}

type rssWatch struct {
	MaxKB      int64   `json:"max_kb"`
	LastKB     int64   `json:"last_kb"`
	Samples    int     `json:"samples"`
	ExitedAtMs float64 `json:"exited_at_ms,omitempty"`
}

func watchRSS(pid int, start time.Time, stop <-chan struct{}) rssWatch {
	var w rssWatch
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		kb, err := readRSS(pid)
		if err != nil {
			if w.ExitedAtMs == 0 {
				w.ExitedAtMs = ms(time.Since(start))
			}
		} else {
			w.MaxKB, w.LastKB = max(w.MaxKB, kb), kb
			w.Samples++
		}
		select {
		case <-stop:
			return w
		case <-tick.C:
		}
	}
}

// readRSS returns VmRSS of pid in kB, from /proc (Linux).
func readRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS")
}

func writeEvents(path string, all []sample) error {
	f, err := os.Create(path) // #nosec G304 -- a path the caller chose
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, s := range all {
		ev := struct {
			I  float64 `json:"i"`
			S  float64 `json:"s"`
			D  float64 `json:"d"`
			C  int     `json:"c"`
			E  string  `json:"e,omitempty"`
			T  int     `json:"t"`
			RA bool    `json:"ra,omitempty"`
		}{ms(s.intended), ms(s.sent), ms(s.done), s.code, s.errClass, s.target, s.retryAfter}
		if err := enc.Encode(ev); err != nil {
			_ = f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// report is the JSON output. Latencies are in milliseconds.
type report struct {
	Mode        string  `json:"mode"`
	Rate        float64 `json:"rate,omitempty"`
	DurationS   float64 `json:"duration_s"`
	WarmupS     float64 `json:"warmup_s"`
	Conns       int     `json:"conns"`
	StartUnixMs float64 `json:"start_unix_ms"`
	ElapsedS    float64 `json:"elapsed_s"`

	Scheduled int `json:"scheduled"`
	Sent      int `json:"sent"`
	Unsent    int `json:"unsent"`
	Responses int `json:"responses"`
	Errors    int `json:"errors"`
	// Measured counts only the requests due after the warm-up.
	Measured    int     `json:"measured"`
	AchievedRPS float64 `json:"achieved_rps"`
	GoodputRPS  float64 `json:"goodput_rps"`

	Codes        map[string]int `json:"codes"`
	ErrorClasses map[string]int `json:"error_classes"`
	ErrorSamples []string       `json:"error_samples,omitempty"`
	// RetryAfterMissing counts 429 and 503 responses without Retry-After.
	RetryAfterMissing int `json:"retry_after_missing"`

	// Latency is measured from when each request was due (open loop) or sent
	// (closed loop) to the end of its response, for every response.
	Latency stats `json:"latency_ms"`
	// LatencyByCode splits Latency by status code.
	LatencyByCode map[string]stats `json:"latency_by_code_ms"`
	// Service is measured from the send: what the server alone took.
	Service stats `json:"service_ms"`
	// Lag is send minus due: how far the generator fell behind its schedule.
	Lag stats `json:"lag_ms"`

	// StoppedAtMs is when the simulated load balancer stopped sending.
	StoppedAtMs float64 `json:"stopped_at_ms,omitempty"`

	Probes []probe   `json:"probes,omitempty"`
	RSS    *rssWatch `json:"rss,omitempty"`
}

type stats struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

func summarize(cfg loadConfig, all []sample, scheduled int, elapsed time.Duration) *report {
	rep := &report{
		Mode:         "closed",
		DurationS:    cfg.duration.Seconds(),
		WarmupS:      cfg.warmup.Seconds(),
		Conns:        cfg.conns,
		ElapsedS:     elapsed.Seconds(),
		Scheduled:    scheduled,
		Sent:         len(all),
		Codes:        map[string]int{},
		ErrorClasses: map[string]int{},
	}
	if cfg.rate > 0 {
		rep.Mode, rep.Rate = "open", cfg.rate
		rep.Unsent = max(scheduled-len(all), 0)
	} else {
		rep.Scheduled = len(all)
	}
	var lat, svc, lag []time.Duration
	byCode := map[string][]time.Duration{}
	seen := map[string]bool{}
	good := 0
	for _, s := range all {
		if s.code == 0 {
			rep.Errors++
		} else {
			rep.Responses++
		}
		if s.intended < cfg.warmup {
			continue
		}
		rep.Measured++
		lag = append(lag, max(s.sent-s.intended, 0))
		if s.code == 0 {
			rep.ErrorClasses[s.errClass]++
			if !seen[s.errMsg] && len(rep.ErrorSamples) < 8 {
				seen[s.errMsg] = true
				rep.ErrorSamples = append(rep.ErrorSamples, s.errMsg)
			}
			continue
		}
		code := strconv.Itoa(s.code)
		rep.Codes[code]++
		if (s.code == 429 || s.code == 503) && !s.retryAfter {
			rep.RetryAfterMissing++
		}
		if s.code < 400 {
			good++
		}
		lat = append(lat, s.done-latencyFrom(s))
		svc = append(svc, s.done-s.sent)
		byCode[code] = append(byCode[code], s.done-latencyFrom(s))
	}
	window := (cfg.duration - cfg.warmup).Seconds()
	if cfg.rate == 0 {
		// Closed loop: the window is the measured part of the run.
		window = max(elapsed.Seconds()-cfg.warmup.Seconds(), 1e-9)
	}
	rep.AchievedRPS = float64(len(lat)) / window
	rep.GoodputRPS = float64(good) / window
	rep.Latency, rep.Service, rep.Lag = summary(lat), summary(svc), summary(lag)
	rep.LatencyByCode = map[string]stats{}
	for code, ds := range byCode {
		rep.LatencyByCode[code] = summary(ds)
	}
	return rep
}

// latencyFrom is where a request's latency starts: when it was due, or when
// it was sent if the scheduler released it early (by at most a timer tick).
// A request sent late is charged for the wait.
func latencyFrom(s sample) time.Duration { return min(s.intended, s.sent) }

func summary(ds []time.Duration) stats {
	if len(ds) == 0 {
		return stats{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		return ms(ds[min(max(i, 0), len(ds)-1)])
	}
	return stats{
		N: len(ds), Mean: ms(sum / time.Duration(len(ds))),
		P50: q(0.50), P90: q(0.90), P99: q(0.99), P999: q(0.999), Max: ms(ds[len(ds)-1]),
	}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
