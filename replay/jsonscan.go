package replay

// topLevelString returns the string value of key in the top-level JSON
// object data, without decoding the rest. It reports false when data is
// not an object, lacks the key, or the value is not a plain string (one
// with escapes is reported false too: callers then decode fully). It
// never panics on malformed input.
func topLevelString(data []byte, key string) (string, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return "", false
	}
	var val string
	var found bool
	for {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return "", false
		}
		k, end, plain := readString(data, i)
		if end < 0 {
			return "", false
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return "", false
		}
		i = skipSpace(data, i+1)
		if plain && k == key { // the last of duplicate keys wins, as in encoding/json
			val, found = valueString(data, i)
		}
		if i = skipValue(data, i); i < 0 {
			return "", false
		}
		i = skipSpace(data, i)
		if i < len(data) && data[i] == '}' {
			return val, found
		}
		if i >= len(data) || data[i] != ',' {
			return "", false
		}
		i++
	}
}

func valueString(data []byte, i int) (string, bool) {
	if i >= len(data) || data[i] != '"' {
		return "", false
	}
	s, end, plain := readString(data, i)
	if end < 0 || !plain {
		return "", false
	}
	return s, true
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// readString reads the string starting at data[i] == '"' and returns its
// raw content, the index after its closing quote (-1 if unterminated) and
// whether it had no escapes.
func readString(data []byte, i int) (string, int, bool) {
	plain := true
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			plain = false
			j++
		case '"':
			return string(data[i+1 : j]), j + 1, plain
		}
	}
	return "", -1, false
}

// skipValue returns the index after the JSON value at data[i], or -1.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	if data[i] == '"' {
		_, end, _ := readString(data, i)
		return end
	}
	if data[i] == '{' || data[i] == '[' {
		return skipNested(data, i)
	}
	for i < len(data) && data[i] != ',' && data[i] != '}' && data[i] != ']' {
		i++
	}
	return i
}

// skipNested skips an object or array, minding strings.
func skipNested(data []byte, i int) int {
	depth := 0
	for i < len(data) {
		switch data[i] {
		case '"':
			_, end, _ := readString(data, i)
			if end < 0 {
				return -1
			}
			i = end
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return -1
}
