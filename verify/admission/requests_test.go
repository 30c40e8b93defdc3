package admission

import (
	"fmt"
	"testing"
	"time"
)

// A warm decision about an image named by tag costs the registry one
// request, the HEAD that resolves the tag (a moved tag must be seen), and no
// new connection: the webhook does not ping /v2/ or authenticate again for
// every review. By digest it costs nothing.
func TestWarmDecisionRequests(t *testing.T) {
	e := newEnv(t)
	d := e.push("models/count")
	e.sign(d, true, "clean")
	srv := serveTLS(t, e.handler(WithCache(NewCache(10, time.Hour))))
	const n = 5
	for _, c := range []struct {
		ref  string
		want string
	}{
		{e.host + "/models/count:v1", fmt.Sprintf("map[HEAD manifests:%d]", n)},
		{d.String(), "map[]"},
	} {
		body := review(t, "deployment.json", map[string]string{"IMAGE_A": c.ref})
		if r := post(t, srv, "/validate", body); !r.Allowed {
			t.Fatalf("%s: the warm-up review was denied: %s", c.ref, message(r))
		}
		e.count.take()
		for range n {
			if r := post(t, srv, "/validate", body); !r.Allowed {
				t.Fatalf("%s: denied: %s", c.ref, message(r))
			}
		}
		got, conns := e.count.take()
		if fmt.Sprint(got) != c.want || conns != 0 {
			t.Errorf("%s: %d warm decisions: requests %v and %d new connections, want %s and none", c.ref, n, got, conns, c.want)
		}
	}
}
