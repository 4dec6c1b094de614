// Command leakshapes127 leaks goroutines in one classic way (or none, for
// the steady control) and writes, with Go 1.27's runtime/pprof, what a
// leak hunter can fetch from a service: four goroutine profiles some time
// apart, then at one moment the goroutine leak profile (proto and debug=1
// text), the goroutine profile as proto, debug=1 and debug=2 text (the
// debug=2 dump, written after the leak detection, marks the proven leaks
// "(leaked)"), and heap profiles. Its output is committed under
// crates/leak/tests/fixtures/go127; the tests never run Go.
//
// Go 1.27 needs no GOEXPERIMENT for the goroutineleak profile (Go 1.25 and
// 1.26 had it behind GOEXPERIMENT=goroutineleakprofile).
//
// Regenerate with (from this directory):
//
//	GOTOOLCHAIN=local /opt/pprof-go1.27/venv/bin/go build -trimpath -o /tmp/leakshapes127 . &&
//	  for s in chansend chanrecv select mutex steady all; do
//	    /tmp/leakshapes127 -shape $s -dir ../../fixtures/go127/$s; done
//
// and, for the wait-time heuristic (a dump without "(leaked)" states, whose
// goroutines have waited over a minute):
//
//	/tmp/leakshapes127 -shape chansend -waitdump 70s -dir ../../fixtures/go127/waits
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// sendWorker finishes its work and reports on a channel nobody reads.
//
//go:noinline
func sendWorker(out chan<- int) {
	out <- 1 // leak: chan send
}

//go:noinline
func handleSend() {
	out := make(chan int)
	go sendWorker(out)
}

// recvWorker waits for a value that is never sent.
//
//go:noinline
func recvWorker(in <-chan int) {
	v := <-in // leak: chan receive
	_ = v
}

//go:noinline
func handleRecv() {
	in := make(chan int)
	go recvWorker(in)
}

// selectWorker waits on two channels and has no timeout.
//
//go:noinline
func selectWorker(a, b <-chan int) {
	select { // leak: select without timeout
	case <-a:
	case <-b:
	}
}

//go:noinline
func handleSelect() {
	go selectWorker(make(chan int), make(chan int))
}

// stuckHolder takes the lock and never releases it: it waits for a
// channel that nobody else knows.
//
//go:noinline
func stuckHolder(mu *sync.Mutex, locked chan<- struct{}, never <-chan int) {
	mu.Lock()
	locked <- struct{}{}
	<-never // leak: stuck holder
	mu.Unlock()
}

// lockWorker waits for the lock held by stuckHolder.
//
//go:noinline
func lockWorker(mu *sync.Mutex) {
	mu.Lock() // leak: mutex wait
	mu.Unlock()
}

// handleLock leaves a mutex behind a stuck holder and a worker waiting
// for it; once it returns, only those two goroutines know the mutex.
//
//go:noinline
func handleLock() {
	mu := new(sync.Mutex)
	locked := make(chan struct{})
	go stuckHolder(mu, locked, make(chan int))
	<-locked
	go lockWorker(mu)
}

// bufferHolder allocates a buffer, then waits forever while holding it.
//
//go:noinline
func bufferHolder(in <-chan int) {
	buf := make([]byte, 256<<10) // too large for the stack: a heap object
	<-in                         // leak: chan receive holding 256 KiB
	buf[0] = 1
}

//go:noinline
func handleUpload() {
	go bufferHolder(make(chan int))
}

// poolWorker is one of a fixed pool: many goroutines, no growth, and the
// jobs channel stays reachable from main, so they are not leaks.
func poolWorker(jobs <-chan int, wg *sync.WaitGroup) {
	for j := range jobs {
		_ = j
	}
	wg.Done()
}

// shortTask comes and goes.
func shortTask() {
	time.Sleep(time.Millisecond)
}

var shapes = map[string][]func(){
	"chansend": {handleSend},
	"chanrecv": {handleRecv},
	"select":   {handleSelect},
	"mutex":    {handleLock},
	"steady":   nil,
	"all":      {handleSend, handleRecv, handleSelect, handleLock, handleUpload},
}

// round leaks `per` goroutines of each leak of the shape.
func round(leaks []func(), per int) {
	for i := 0; i < per; i++ {
		for _, leak := range leaks {
			leak()
		}
		go shortTask()
	}
}

func write(dir, file, name string, debug int) {
	f, err := os.Create(filepath.Join(dir, file))
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, debug); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func main() {
	dir := flag.String("dir", ".", "output directory")
	shape := flag.String("shape", "all", "chansend, chanrecv, select, mutex, steady or all")
	per := flag.Int("per", 4, "leaks of each kind between two snapshots")
	every := flag.Duration("every", 100*time.Millisecond, "time between snapshots")
	waitdump := flag.Duration("waitdump", 0, "instead: leak once, wait this long, write goroutine.debug2.txt without leak detection")
	flag.Parse()
	leaks, ok := shapes[*shape]
	if !ok {
		log.Fatalf("unknown shape %q", *shape)
	}
	runtime.MemProfileRate = 4096
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go poolWorker(jobs, &wg)
	}

	if *waitdump > 0 {
		round(leaks, 3**per)
		// Go records when a goroutine started waiting at a garbage
		// collection (the start of the previous one, so it takes two);
		// without them, the dump shows no wait times.
		time.Sleep(time.Second)
		runtime.GC()
		runtime.GC()
		time.Sleep(*waitdump)
		write(*dir, "goroutine.debug2.txt", "goroutine", 2)
		fmt.Println("wrote", *dir)
		close(jobs)
		wg.Wait()
		return
	}

	for i := 1; i <= 4; i++ {
		round(leaks, *per)
		time.Sleep(*every)
		runtime.GC()
		id := fmt.Sprintf("%03d", i)
		write(*dir, "goroutine."+id+".pb.gz", "goroutine", 0)
		if *shape == "all" {
			write(*dir, "heap."+id+".pb.gz", "heap", 0)
		}
	}
	// One moment: nothing starts or ends from here on.
	write(*dir, "goroutine.debug1.txt", "goroutine", 1)
	write(*dir, "goroutine.pb.gz", "goroutine", 0)
	write(*dir, "goroutineleak.pb.gz", "goroutineleak", 0)
	write(*dir, "goroutineleak.debug1.txt", "goroutineleak", 1)
	write(*dir, "goroutine.debug2.txt", "goroutine", 2)
	fmt.Println("wrote", *dir)
	close(jobs)
	wg.Wait()
}
