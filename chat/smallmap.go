package chat

// smallMapMax is how many keys a smallMap holds in place before it moves
// them to a map: a batch of the `chats` load touches one or two keys, for
// which a scan of the view's own array costs no allocation (a map is
// made, hashed and grown); a big batch still finds its keys in constant
// time.
const smallMapMax = 4

// smallMap is a map for the few keys a batch's view changes: pairs in an
// array up to smallMapMax keys, a map past that. Its zero value is empty
// and ready to use.
type smallMap[K comparable, V any] struct {
	n     int
	pairs [smallMapMax]pair[K, V]
	m     map[K]V
}

type pair[K comparable, V any] struct {
	k K
	v V
}

func (s *smallMap[K, V]) get(k K) (V, bool) {
	if s.m != nil {
		v, ok := s.m[k]
		return v, ok
	}
	for i := range s.n {
		if s.pairs[i].k == k {
			return s.pairs[i].v, true
		}
	}
	var zero V
	return zero, false
}

func (s *smallMap[K, V]) set(k K, v V) {
	if s.m != nil {
		s.m[k] = v
		return
	}
	for i := range s.n {
		if s.pairs[i].k == k {
			s.pairs[i].v = v
			return
		}
	}
	if s.n < smallMapMax {
		s.pairs[s.n] = pair[K, V]{k, v}
		s.n++
		return
	}
	s.m = make(map[K]V, 4*smallMapMax)
	for _, p := range s.pairs {
		s.m[p.k] = p.v
	}
	s.m[k] = v
	s.n, s.pairs = 0, [smallMapMax]pair[K, V]{}
}

func (s *smallMap[K, V]) del(k K) {
	if s.m != nil {
		delete(s.m, k)
		return
	}
	for i := range s.n {
		if s.pairs[i].k == k {
			s.n--
			s.pairs[i], s.pairs[s.n] = s.pairs[s.n], pair[K, V]{}
			return
		}
	}
}
