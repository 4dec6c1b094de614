// Command leakshapes leaks goroutines in several classic ways, keeps a
// steady worker pool as a control, and writes goroutine (proto and debug=2)
// and heap snapshots at regular intervals. Its output is committed under
// crates/leak/tests/fixtures/shapes; the tests never run Go.
//
// Regenerate with:
//
//	cd crates/leak/tests/gosrc/leakshapes && go build -trimpath -o /tmp/leakshapes . && \
//	  /tmp/leakshapes -dir ../../fixtures/shapes && /tmp/leakshapes -steady -dir ../../fixtures/steady
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

var mu sync.Mutex

// stuckHolder takes the lock and never releases it.
func stuckHolder(never <-chan int) {
	mu.Lock()
	<-never
	mu.Unlock()
}

// lockWorker waits for the lock held by stuckHolder.
//
//go:noinline
func lockWorker() {
	mu.Lock() // leak: mutex wait
	mu.Unlock()
}

//go:noinline
func handleLock() {
	go lockWorker()
}

// bufferHolder allocates a buffer, then waits forever while holding it.
//
//go:noinline
func bufferHolder(in <-chan int) {
	buf := make([]byte, 256<<10) // too large for the stack: a heap object
	<-in                         // leak: chan receive holding 256 KiB
	buf[0] = 1
}

var cache [][]byte

// cacheInsert keeps every entry forever: a heap leak without goroutines.
//
//go:noinline
func cacheInsert() {
	cache = append(cache, make([]byte, 128<<10))
}

//go:noinline
func handleUpload() {
	go bufferHolder(make(chan int))
}

// poolWorker is one of a fixed pool: many goroutines, no growth.
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

func requestLoop(stop <-chan struct{}, leak bool) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if !leak {
			go shortTask()
			time.Sleep(20 * time.Millisecond)
			continue
		}
		handleSend()
		handleRecv()
		handleSelect()
		handleLock()
		handleUpload()
		cacheInsert()
		go shortTask()
		time.Sleep(20 * time.Millisecond)
	}
}

func write(path, name string, debug int) {
	f, err := os.Create(path)
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
	n := flag.Int("n", 3, "number of snapshots")
	every := flag.Duration("every", 200*time.Millisecond, "time between snapshots")
	steady := flag.Bool("steady", false, "leak nothing: only the worker pool and short tasks")
	flag.Parse()
	runtime.MemProfileRate = 4096
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}

	if !*steady {
		go stuckHolder(make(chan int))
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go poolWorker(jobs, &wg)
	}
	stop := make(chan struct{})
	go requestLoop(stop, !*steady)

	for i := 1; i <= *n; i++ {
		time.Sleep(*every)
		runtime.GC()
		id := fmt.Sprintf("%03d", i)
		write(filepath.Join(*dir, "goroutine."+id+".pb.gz"), "goroutine", 0)
		write(filepath.Join(*dir, "goroutine."+id+".debug2.txt"), "goroutine", 2)
		write(filepath.Join(*dir, "heap."+id+".pb.gz"), "heap", 0)
	}
	close(stop)
}
