// faults-loadgen: a NATS JetStream client for the fault suite (e2e/faults.sh).
//
// `faults-loadgen serve` runs inside the cluster and is driven over HTTP (:8080) by the suite:
//
//	/ensure?stream=S&replicas=N   create (or update the replicas of) file stream S on subjects S.>, 2 min dedupe window
//	/start?stream=S&phase=P       publish continuously to S.P; every message has a unique id (payload + Nats-Msg-Id)
//	/status                       acked so far, last ack time, current gap
//	/stop                         stop publishing; JSON stats of the phase (acked, failed attempts, max gap, ...)
//	/verify?stream=S              read the whole stream back; per phase: acked, lost (acked, not in stream), duplicates
//	/leader?stream=S              the stream leader and replicas as the client sees them (stream info)
//
// A publish that fails (timeout, no responders, ...) is recorded and retried with the SAME id until it is acknowledged
// or gives up after -giveup; the dedupe window makes retries of a message that was in fact stored harmless, so a
// duplicate in the stream is a real defect. `faults-loadgen ctl PATH` is a tiny HTTP client for the above.
//
// Against a secured deployment: -ca FILE verifies the servers' TLS certificates against that CA (and requires TLS),
// -user NAME logs in as that user with the password in the environment variable NATS_PASSWORD.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	natsURL   = flag.String("url", envOr("NATS_URL", "nats://nats:4222"), "NATS server URL")
	listen    = flag.String("listen", ":8080", "control address")
	workers   = flag.Int("workers", 4, "concurrent publishers")
	rate      = flag.Int("rate", 200, "target messages per second (all workers)")
	pubTO     = flag.Duration("timeout", 2*time.Second, "publish ack timeout")
	giveUp    = flag.Duration("giveup", 60*time.Second, "stop retrying one id after this long")
	payloadSz = flag.Int("size", 128, "payload bytes")
	caFile    = flag.String("ca", "", "CA file: connect with TLS, verifying the servers against it")
	user      = flag.String("user", "", "user name; the password is read from $NATS_PASSWORD")
)

func envOr(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}

type failure struct {
	ID  string    `json:"id"`
	At  time.Time `json:"at"`
	Err string    `json:"err"`
}

type gap struct {
	Ms   int64     `json:"ms"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

type phase struct {
	Name     string    `json:"phase"`
	Stream   string    `json:"stream"`
	Started  time.Time `json:"started"`
	Stopped  time.Time `json:"stopped"`
	mu       sync.Mutex
	acked    map[string]time.Time
	Acked    int       `json:"acked"`
	DupAcks  int       `json:"dup_acks"` // acks flagged duplicate: a retry of a message that was stored
	Failed   int       `json:"failed_publishes"`
	Failures []failure `json:"failures_sample"`
	GaveUp   []string  `json:"gave_up"`
	lastAck  time.Time
	MaxGap   gap   `json:"max_gap"`
	Gaps     []gap `json:"gaps_over_1s"`
	LastAck  time.Time `json:"last_ack"`
	stop     chan struct{}
	wg       sync.WaitGroup
}

type server struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	mu     sync.Mutex
	phases []*phase
	cur    *phase
	events []string
}

func (s *server) event(f string, a ...any) {
	m := time.Now().UTC().Format("15:04:05.000") + " " + fmt.Sprintf(f, a...)
	log.Print(m)
	s.mu.Lock()
	s.events = append(s.events, m)
	if len(s.events) > 500 {
		s.events = s.events[len(s.events)-500:]
	}
	s.mu.Unlock()
}

func main() {
	flag.Parse()
	args := flag.Args()
	if len(args) >= 1 && args[0] == "ctl" {
		ctl(args[1:])
		return
	}
	if len(args) < 1 || args[0] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: faults-loadgen [flags] serve | ctl PATH")
		os.Exit(2)
	}
	s := &server{}
	var secure []nats.Option
	if *caFile != "" {
		secure = append(secure, nats.RootCAs(*caFile))
	}
	if *user != "" {
		password := os.Getenv("NATS_PASSWORD")
		if password == "" {
			log.Fatal("-user needs the password in NATS_PASSWORD")
		}
		secure = append(secure, nats.UserInfo(*user, password))
	}
	nc, err := nats.Connect(*natsURL, append(secure,
		nats.Name("faults-loadgen"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, 100*time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.PingInterval(2*time.Second), nats.MaxPingsOutstanding(2),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { s.event("disconnected: %v", err) }),
		nats.ReconnectHandler(func(c *nats.Conn) { s.event("reconnected to %s", c.ConnectedServerName()) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { s.event("async error: %v", err) }),
		nats.LameDuckModeHandler(func(c *nats.Conn) { s.event("server %s entered lame duck mode", c.ConnectedServerName()) }),
	)...)
	if err != nil {
		log.Fatal(err)
	}
	s.nc = nc
	if s.js, err = jetstream.New(nc); err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/ensure", s.ensure)
	http.HandleFunc("/start", s.start)
	http.HandleFunc("/stop", s.stopH)
	http.HandleFunc("/status", s.status)
	http.HandleFunc("/verify", s.verify)
	http.HandleFunc("/leader", s.leader)
	http.HandleFunc("/events", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		fmt.Fprintln(w, strings.Join(s.events, "\n"))
	})
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	log.Printf("faults-loadgen: %s (tls ca %q, user %q), control on %s", *natsURL, *caFile, *user, *listen)
	log.Fatal(http.ListenAndServe(*listen, nil))
}

func ctl(args []string) {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: faults-loadgen ctl /path?query")
		os.Exit(2)
	}
	c := http.Client{Timeout: 10 * time.Minute}
	r, err := c.Get("http://127.0.0.1" + *listen + args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer r.Body.Close()
	io.Copy(os.Stdout, r.Body)
	if r.StatusCode != 200 {
		os.Exit(1)
	}
}

func reply(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(500)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.Encode(v)
}

func (s *server) ensure(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("stream")
	repl, _ := strconv.Atoi(r.URL.Query().Get("replicas"))
	if name == "" || repl < 1 {
		reply(w, nil, errors.New("stream and replicas required"))
		return
	}
	cfg := jetstream.StreamConfig{
		Name: name, Subjects: []string{name + ".>"}, Storage: jetstream.FileStorage, Replicas: repl,
		Duplicates: 2 * time.Minute, Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardOld,
	}
	var info *jetstream.StreamInfo
	var err error
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		var st jetstream.Stream
		st, err = s.js.CreateOrUpdateStream(ctx, cfg)
		if err == nil {
			info, err = st.Info(ctx)
		}
		cancel()
		if err == nil || time.Now().After(deadline) {
			break
		}
		s.event("ensure %s R%d: %v (retrying)", name, repl, err)
		time.Sleep(time.Second)
	}
	reply(w, info, err)
}

func (s *server) start(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	locked := true
	defer func() {
		if locked {
			s.mu.Unlock()
		}
	}()
	if s.cur != nil {
		reply(w, nil, errors.New("a phase is running"))
		return
	}
	p := &phase{Name: q.Get("phase"), Stream: q.Get("stream"), Started: time.Now(), acked: map[string]time.Time{}, stop: make(chan struct{})}
	if p.Name == "" || p.Stream == "" {
		reply(w, nil, errors.New("phase and stream required"))
		return
	}
	for _, o := range s.phases {
		if o.Name == p.Name {
			reply(w, nil, errors.New("phase name already used"))
			return
		}
	}
	p.lastAck = p.Started
	s.cur = p
	s.phases = append(s.phases, p)
	var seq atomic.Int64
	subject := p.Stream + "." + p.Name
	per := time.Duration(float64(time.Second) * float64(*workers) / float64(*rate))
	for i := 0; i < *workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			tick := time.NewTicker(per)
			defer tick.Stop()
			for {
				select {
				case <-p.stop:
					return
				case <-tick.C:
				}
				id := fmt.Sprintf("%s-%08d", p.Name, seq.Add(1))
				s.publishOne(p, subject, id)
			}
		}()
	}
	s.mu.Unlock()
	locked = false
	s.event("phase %s started on %s", p.Name, subject)
	reply(w, map[string]any{"phase": p.Name, "subject": subject}, nil)
}

// publishOne publishes id until acknowledged; a stop request ends retries only after giveUp.
func (s *server) publishOne(p *phase, subject, id string) {
	data := make([]byte, *payloadSz)
	copy(data, id)
	for i := len(id); i < len(data); i++ {
		data[i] = '.'
	}
	first := time.Now()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), *pubTO)
		ack, err := s.js.Publish(ctx, subject, data, jetstream.WithMsgID(id), jetstream.WithExpectStream(p.Stream))
		cancel()
		now := time.Now()
		p.mu.Lock()
		if err == nil {
			p.acked[id] = now
			p.Acked++
			if ack.Duplicate {
				p.DupAcks++
			}
			g := now.Sub(p.lastAck)
			if g.Milliseconds() > p.MaxGap.Ms {
				p.MaxGap = gap{Ms: g.Milliseconds(), From: p.lastAck, To: now}
			}
			if g > time.Second {
				p.Gaps = append(p.Gaps, gap{Ms: g.Milliseconds(), From: p.lastAck, To: now})
			}
			if now.After(p.lastAck) {
				p.lastAck = now
			}
			p.LastAck = p.lastAck
			p.mu.Unlock()
			return
		}
		p.Failed++
		if len(p.Failures) < 20 || p.Failed%50 == 0 {
			p.Failures = append(p.Failures, failure{ID: id, At: now, Err: err.Error()})
		}
		if now.Sub(first) > *giveUp {
			p.GaveUp = append(p.GaveUp, id)
			p.mu.Unlock()
			s.event("gave up on %s after %s: %v", id, now.Sub(first).Round(time.Millisecond), err)
			return
		}
		p.mu.Unlock()
		if !errors.Is(err, context.DeadlineExceeded) {
			time.Sleep(100 * time.Millisecond) // fast errors (no responders, closed): do not spin
		}
	}
}

func (s *server) status(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	p := s.cur
	s.mu.Unlock()
	if p == nil {
		reply(w, map[string]any{"running": false, "connected": s.nc.IsConnected(), "server": s.nc.ConnectedServerName()}, nil)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	reply(w, map[string]any{"running": true, "phase": p.Name, "acked": p.Acked, "failed": p.Failed,
		"since_last_ack_ms": time.Since(p.lastAck).Milliseconds(), "last_ack": p.lastAck,
		"connected": s.nc.IsConnected(), "server": s.nc.ConnectedServerName()}, nil)
}

func (s *server) stopH(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	p := s.cur
	s.cur = nil
	s.mu.Unlock()
	if p == nil {
		reply(w, nil, errors.New("no phase running"))
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.Stopped = time.Now()
	// The gap still open at the end counts too (publishing stopped resuming).
	p.mu.Lock()
	defer p.mu.Unlock()
	if g := p.Stopped.Sub(p.lastAck); g.Milliseconds() > p.MaxGap.Ms {
		p.MaxGap = gap{Ms: g.Milliseconds(), From: p.lastAck, To: p.Stopped}
	}
	s.event("phase %s stopped: acked %d failed %d max gap %dms", p.Name, p.Acked, p.Failed, p.MaxGap.Ms)
	reply(w, p, nil)
}

type phaseCheck struct {
	Phase      string   `json:"phase"`
	Acked      int      `json:"acked"`
	Lost       int      `json:"lost"`
	LostSample []string `json:"lost_sample"`
	Duplicates int      `json:"duplicates"` // ids of the phase stored more than once
	DupSample  []string `json:"duplicates_sample"`
	InStream   int      `json:"in_stream"` // distinct ids of the phase in the stream (includes unacked-but-stored)
	GaveUp     int      `json:"gave_up"`
}

// verify reads every message of the stream with an ordered consumer and checks every acked id is there exactly once.
func (s *server) verify(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("stream")
	s.mu.Lock()
	running := s.cur != nil
	s.mu.Unlock()
	if running {
		reply(w, nil, errors.New("stop the phase first"))
		return
	}
	t0 := time.Now()
	var err error
	var info *jetstream.StreamInfo
	var counts map[string]int
	var read uint64
	for attempt := 1; attempt <= 5; attempt++ {
		counts, read, info, err = s.readAll(r.Context(), name)
		if err == nil {
			break
		}
		s.event("verify %s attempt %d: %v", name, attempt, err)
		time.Sleep(2 * time.Second)
	}
	if err != nil {
		reply(w, nil, err)
		return
	}
	res := map[string]any{"stream": name, "messages": info.State.Msgs, "first_seq": info.State.FirstSeq,
		"last_seq": info.State.LastSeq, "read": read, "distinct_ids": len(counts), "read_ms": time.Since(t0).Milliseconds()}
	var checks []phaseCheck
	totalLost, totalDup := 0, 0
	s.mu.Lock()
	phases := append([]*phase(nil), s.phases...)
	s.mu.Unlock()
	for _, p := range phases {
		if p.Stream != name {
			continue
		}
		p.mu.Lock()
		c := phaseCheck{Phase: p.Name, Acked: len(p.acked), GaveUp: len(p.GaveUp)}
		for id := range p.acked {
			switch n := counts[id]; {
			case n == 0:
				c.Lost++
				if len(c.LostSample) < 20 {
					c.LostSample = append(c.LostSample, id)
				}
			}
		}
		p.mu.Unlock()
		prefix := p.Name + "-"
		for id, n := range counts {
			if strings.HasPrefix(id, prefix) {
				c.InStream++
				if n > 1 {
					c.Duplicates++
					if len(c.DupSample) < 20 {
						c.DupSample = append(c.DupSample, fmt.Sprintf("%s x%d", id, n))
					}
				}
			}
		}
		sort.Strings(c.LostSample)
		totalLost += c.Lost
		totalDup += c.Duplicates
		checks = append(checks, c)
	}
	res["phases"] = checks
	res["lost"] = totalLost
	res["duplicates"] = totalDup
	reply(w, res, nil)
}

func (s *server) readAll(ctx context.Context, name string) (map[string]int, uint64, *jetstream.StreamInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	st, err := s.js.Stream(ctx, name)
	if err != nil {
		return nil, 0, nil, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, 0, nil, err
	}
	counts := map[string]int{}
	last := info.State.LastSeq
	if info.State.Msgs == 0 {
		return counts, 0, info, nil
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return nil, 0, nil, err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(2000))
	if err != nil {
		return nil, 0, nil, err
	}
	defer it.Stop()
	var read uint64
	for {
		m, err := it.Next()
		if err != nil {
			return nil, read, nil, fmt.Errorf("after %d messages: %w", read, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return nil, read, nil, err
		}
		id := m.Headers().Get(jetstream.MsgIDHeader)
		if id == "" {
			id = strings.TrimRight(string(m.Data()), ".")
		}
		counts[id]++
		read++
		if md.Sequence.Stream >= last {
			return counts, read, info, nil
		}
		if ctx.Err() != nil {
			return nil, read, nil, ctx.Err()
		}
	}
}

func (s *server) leader(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	st, err := s.js.Stream(ctx, r.URL.Query().Get("stream"))
	if err != nil {
		reply(w, nil, err)
		return
	}
	info, err := st.Info(ctx)
	if err != nil {
		reply(w, nil, err)
		return
	}
	reply(w, map[string]any{"cluster": info.Cluster, "msgs": info.State.Msgs, "replicas": info.Config.Replicas}, nil)
}
