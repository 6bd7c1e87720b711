// hotswap-hasher runs inside the target container, uploaded there by hotswap (src/swap/follow.ts): the new
// binary is hashed in the container as it arrives, so the check costs no second read after the upload.
//
//	hotswap-hasher follow FILE
//
// reads one line from stdin, "follow SIZE" or "receive SIZE", removes FILE (a leftover) and answers "ready".
// follow: FILE is written by someone else (the engine's archive upload); it is hashed as it grows until it
// holds SIZE bytes. receive: the next SIZE bytes of stdin are written to FILE (a new file, mode 0755) and
// hashed on the way. Then it prints "<sha256> <inode> <size>". If stdin ends first with FILE short, or brings
// more than SIZE bytes, it fails (exit 1; a received FILE is removed). EOF before a line is a cancel (exit 0).
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
	mode, size, err := parseAsk(line)
	if err != nil {
		fail(err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		fail(err)
	}
	fmt.Println("ready")
	var sum string
	var inode uint64
	if mode == "receive" {
		sum, inode, err = receive(path, size, in)
	} else {
		ended := make(chan struct{})
		go func() {
			_, _ = io.Copy(io.Discard, in)
			close(ended)
		}()
		sum, inode, err = follow(path, size, ended)
	}
	if err != nil {
		fail(err)
	}
	fmt.Printf("%s %d %d\n", sum, inode, size)
}

// parseAsk reads "follow SIZE" or "receive SIZE".
func parseAsk(line string) (string, int64, error) {
	fields := strings.Fields(line)
	if len(fields) == 2 && (fields[0] == "follow" || fields[0] == "receive") {
		if size, err := strconv.ParseInt(fields[1], 10, 64); err == nil && size >= 0 {
			return fields[0], size, nil
		}
	}
	return "", 0, fmt.Errorf("bad request %q", strings.TrimSpace(line))
}

// receive writes the next size bytes of in to path, hashing them; anything but exactly size bytes fails, and
// the file is removed then.
func receive(path string, size int64, in io.Reader) (sum string, inode uint64, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return "", 0, err
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	h := sha256.New()
	n, err := io.CopyN(io.MultiWriter(f, h), in, size)
	if err == nil {
		if k, _ := in.Read(make([]byte, 1)); k > 0 {
			err = fmt.Errorf("stdin brought more than the %d bytes expected", size)
		}
	} else if err == io.EOF {
		err = fmt.Errorf("stdin ended after %d bytes, %d expected", n, size)
	}
	var st syscall.Stat_t
	if err == nil {
		err = syscall.Fstat(int(f.Fd()), &st)
	}
	if cerr := f.Close(); err == nil {
		err = cerr // a full disk may say so only here
	}
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), uint64(st.Ino), nil
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
