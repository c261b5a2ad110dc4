// Command rfc3339 reads timestamps from stdin, one JSON string a line, and writes, a line each,
// how Go reads them: with time.Parse(time.RFC3339, s), and as encoding/json decodes the JSON
// string into a time.Time (what the service does with a request's expires_at). The first line
// out is the Go version. Standard library only: tests/test_fake_dates.py runs it offline.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"
)

type verdict struct {
	OK    bool  `json:"ok"`
	Unix  int64 `json:"unix"`
	Nanos int   `json:"nanos"`
}

func of(t time.Time, err error) verdict {
	if err != nil {
		return verdict{}
	}
	return verdict{OK: true, Unix: t.Unix(), Nanos: t.Nanosecond()}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	fmt.Fprintln(out, runtime.Version())
	for in.Scan() {
		line := in.Bytes()
		var text string
		if err := json.Unmarshal(line, &text); err != nil {
			fmt.Fprintln(os.Stderr, "not a JSON string:", err)
			os.Exit(2)
		}
		var body struct {
			ExpiresAt time.Time `json:"expires_at"`
		}
		err := json.Unmarshal([]byte(`{"expires_at":`+string(line)+`}`), &body)
		answer, _ := json.Marshal(map[string]verdict{
			"parse": of(time.Parse(time.RFC3339, text)),
			"json":  of(body.ExpiresAt, err),
		})
		fmt.Fprintln(out, string(answer))
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
