package household

import "strings"

// The invented split is for training only. Its layouts are drawn as the seen split's are (the
// same numbers of receptacles, distractors, pairs and appliances), but every episode invents its
// own room, receptacle kinds and object names from its seed. A model trained on the seen split
// alone learns its sixteen objects and eight kinds by heart and writes them where they do not
// exist; on invented names the only way to name a thing is to copy it from the room listing and
// the observations, which is what the unseen split asks. Invented names never equal a name of the
// seen or unseen split, so the unseen split stays new to a model trained on both.
//
// The spelled split is the same with names of any spelling (spellName): a model that has copied
// only the invented split's syllables copies none of the unseen split's names ("locker", "jar",
// "kettle"), whose letters and clusters those syllables never hold.
func init() {
	for _, n := range []struct {
		split string
		salt  uint64
		name  namer
	}{{"invented", 0x1a7e17ed, inventName}, {"spelled", 0x5be11ed, spellName}} {
		sp := *splits["seen"]
		sp.salt, sp.invent = n.salt, n.name
		sp.rooms, sp.kinds, sp.objects = nil, nil, nil
		splits[n.split] = &sp
	}
}

// namer makes a new name that is neither reserved nor in used, and adds it to used.
type namer func(r *rng, used map[string]bool) string

// Syllables of invented names: an onset (none at times on the first), a vowel, and at times a
// final consonant; the letters are all in Alphabet.
var (
	onsets = []string{"b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
		"br", "ch", "dr", "fl", "gr", "kr", "pl", "sh", "sk", "st", "tr"}
	vowels = []string{"a", "e", "i", "o", "u"}
	codas  = []string{"k", "l", "m", "n", "r", "s", "t"}
)

// grammarWords are the words of the environment's own text that an invented name could spell: a
// name must not read as part of an action or an observation.
var grammarWords = []string{"task", "put", "clean", "hot", "cool", "two", "open", "close", "closed",
	"take", "from", "with", "heat", "look", "inventory", "you", "are", "hold", "nothing", "happens",
	"empty", "done", "out", "steps", "is", "in", "on", "at", "of", "go", "to", "a", "the"}

// reserved is every name an invented one must differ from: the seen and unseen splits' names,
// the appliances and grammarWords.
var reserved = func() map[string]bool {
	m := map[string]bool{fridge: true, microwave: true, sinkbasin: true}
	for _, w := range grammarWords {
		m[w] = true
	}
	for _, sp := range splits {
		for _, k := range sp.kinds {
			m[k.name] = true
		}
		for _, s := range append(append([]string(nil), sp.rooms...), sp.objects...) {
			m[s] = true
		}
	}
	return m
}()

// inventName is a pronounceable lowercase name of 4 to 8 letters (a namer).
func inventName(r *rng, used map[string]bool) string {
	return fresh(used, func() string {
		var b strings.Builder
		for i := range 2 + r.intn(2) {
			if i > 0 || !r.pct(15) {
				b.WriteString(onsets[r.intn(len(onsets))])
			}
			b.WriteString(vowels[r.intn(len(vowels))])
		}
		if r.pct(50) {
			b.WriteString(codas[r.intn(len(codas))])
		}
		return b.String()
	}, 4, 8)
}

// Letters of spelled names: every consonant, y among the vowels.
const (
	consonants = "bcdfghjklmnpqrstvwxz"
	vowelsY    = "aeiouy"
)

// spellName is a lowercase name of 3 to 9 letters of any spelling (a namer): runs of one or two
// consonants and of one or two vowels in turn, each letter drawn from all of its kind, at times
// doubled, so clusters, doubled letters and rare letters come as often as plain syllables.
func spellName(r *rng, used map[string]bool) string {
	return fresh(used, func() string {
		var b strings.Builder
		n, vowel := 3+r.intn(7), r.pct(30)
		for b.Len() < n {
			set := consonants
			if vowel {
				set = vowelsY
			}
			for range 1 + r.intn(2) {
				c := set[r.intn(len(set))]
				b.WriteByte(c)
				if r.pct(10) {
					b.WriteByte(c)
				}
			}
			vowel = !vowel
		}
		return b.String()[:n]
	}, 3, 9)
}

// fresh draws names until one of lo to hi letters is neither reserved nor used, adds it to used
// and returns it.
func fresh(used map[string]bool, draw func() string, lo, hi int) string {
	for {
		s := draw()
		if len(s) >= lo && len(s) <= hi && !reserved[s] && !used[s] {
			used[s] = true
			return s
		}
	}
}

// invented is sp with one room, as many receptacle kinds (containers and surfaces alike) and as
// many objects as the seen split has, all named by sp.invent, all different.
func (sp *splitSpec) invented(r *rng) *splitSpec {
	seen := splits["seen"]
	c := *sp
	used := map[string]bool{}
	c.rooms = []string{sp.invent(r, used)}
	c.kinds = make([]kindSpec, len(seen.kinds))
	for i, k := range seen.kinds {
		c.kinds[i] = kindSpec{name: sp.invent(r, used), openable: k.openable}
	}
	c.objects = make([]string, len(seen.objects))
	for i := range c.objects {
		c.objects[i] = sp.invent(r, used)
	}
	return &c
}
