// cpudemo burns CPU in a few recognisable functions and writes a CPU
// profile, so that the repository ships a real Go profile to try reports on.
//
//	go run . -o ../../profiles/cpu.pb.gz
package main

import (
	"crypto/sha256"
	"flag"
	"log"
	"os"
	"runtime/pprof"
	"sort"
	"time"
)

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func checksum(rounds int) byte {
	buf := make([]byte, 4096)
	var sum [32]byte
	for i := 0; i < rounds; i++ {
		buf[i%len(buf)] = byte(i)
		sum = sha256.Sum256(buf)
	}
	return sum[0]
}

func sortChunks(n int) int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = (i * 7919) % n
	}
	sort.Ints(xs)
	return xs[n/2]
}

func work(deadline time.Time) (r int) {
	for time.Now().Before(deadline) {
		r += fib(27)
		r += int(checksum(2000))
		r += sortChunks(200000)
	}
	return r
}

func main() {
	out := flag.String("o", "cpu.pb.gz", "output file")
	secs := flag.Duration("d", 2*time.Second, "how long to run")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	r := work(time.Now().Add(*secs))
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("result %d", r)
}
