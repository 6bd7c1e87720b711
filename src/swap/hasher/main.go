// hotswap-hasher runs inside the target container, uploaded there by hotswap (src/swap/follow.ts): it hashes
// the new binary while the engine writes it, so the check costs no second read after the upload.
//
//	hotswap-hasher follow FILE
//
// reads the expected size from stdin, removes FILE (a leftover), answers "ready", then hashes FILE as it is
// written until it holds that many bytes, and prints "<sha256> <inode> <size>". If stdin ends first (the
// upload is over or failed) with FILE short, it fails (exit 1). EOF before a size is a cancel (exit 0).
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// poll is how long to wait for more bytes: short, as the engine writes at hundreds of MB/s.
const poll = 250 * time.Microsecond

func main() {
	if len(os.Args) != 3 || os.Args[1] != "follow" {
		fmt.Fprintln(os.Stderr, "usage: hotswap-hasher follow FILE (expected size on stdin)")
		os.Exit(2)
	}
	path := os.Args[2]
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadString('\n')
	if err != nil {
		return // cancelled: no upload follows
	}
	size, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil || size < 0 {
		fail(fmt.Errorf("bad size %q", strings.TrimSpace(line)))
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		fail(err)
	}
	fmt.Println("ready")
	ended := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, in)
		close(ended)
	}()
	sum, inode, err := follow(path, size, ended)
	if err != nil {
		fail(err)
	}
	fmt.Printf("%s %d %d\n", sum, inode, size)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "hotswap-hasher:", err)
	os.Exit(1)
}

// wait sleeps one poll, or reports that the upload ended (stdin closed).
func wait(ended <-chan struct{}) bool {
	select {
	case <-ended:
		return false
	case <-time.After(poll):
		return true
	}
}

func open(path string, ended <-chan struct{}) (*os.File, error) {
	for {
		f, err := os.Open(path)
		if err == nil || !errors.Is(err, os.ErrNotExist) {
			return f, err
		}
		if !wait(ended) {
			return os.Open(path) // written and closed just before stdin ended
		}
	}
}

// follow hashes path as it grows to size bytes; after the upload ended, what is there is all there is.
func follow(path string, size int64, ended <-chan struct{}) (string, uint64, error) {
	f, err := open(path, ended)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var n int64
	over := false
	for n < size {
		k, err := f.Read(buf)
		h.Write(buf[:k])
		n += int64(k)
		if err != nil && err != io.EOF {
			return "", 0, err
		}
		if k > 0 {
			continue
		}
		if over {
			return "", 0, fmt.Errorf("%s has %d bytes, %d expected", path, n, size)
		}
		over = !wait(ended)
	}
	if k, _ := f.Read(buf[:1]); k > 0 || n > size {
		return "", 0, fmt.Errorf("%s is longer than the %d bytes expected", path, size)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), uint64(st.Ino), nil
}
