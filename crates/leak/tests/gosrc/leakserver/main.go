// Command leakserver is a small service with a goroutine leak, for the
// end-to-end tests of `pprof-tools leak URL`: it serves net/http/pprof on
// 127.0.0.1 (a free port unless -addr is given), prints "listening on
// HOST:PORT" and leaks one goroutine every 10ms; with -steady it leaks
// nothing (the control). Built with Go 1.27 it also serves
// /debug/pprof/goroutineleak; built with older Go it does not.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

// serveJob replies on a channel that nobody reads any more.
//
//go:noinline
func serveJob(reply chan<- string) {
	reply <- "done" // leak: chan send
}

//go:noinline
func handleJob() {
	reply := make(chan string)
	go serveJob(reply)
	select {
	case <-reply:
	case <-time.After(time.Microsecond): // gives up, leaving serveJob stuck
	}
}

func poolWorker(jobs <-chan int) {
	for range jobs {
	}
}

// jobs stays reachable (a global), so the idle pool is not a leak.
var jobs = make(chan int)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	steady := flag.Bool("steady", false, "leak nothing")
	flag.Parse()
	for i := 0; i < 10; i++ {
		go poolWorker(jobs)
	}
	go func() {
		for {
			if !*steady {
				handleJob()
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "listening on %s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
