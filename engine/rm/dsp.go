package rm

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
)

// The DSP data (Linear95/DSP, "domain-specific preference") is CC BY-NC 4.0: colash ships this
// loader, not the data. Its test split is a JSON array of
//
//	{"query": "...", "responses": {"academy": "...", "business": "...", "entertainment": "...",
//	                               "literature": "...", "normal": "..."}}
//
// one answer per domain, each written in that domain's style.

// DSPDomains are the four preference domains of the paper; "normal" is the plain answer, always
// a rejected one.
var DSPDomains = []string{"academy", "business", "entertainment", "literature"}

// dspAnswers are the keys every record must have.
var dspAnswers = append(slices.Clone(DSPDomains), "normal")

// DSPQuery is one record: a query and its answer in each style.
type DSPQuery struct {
	Query     string            `json:"query"`
	Responses map[string]string `json:"responses"`
}

// Template turns a query into the prompt the models see (the paper's "User: {}\nAssistant: ").
const Template = "User: %s\nAssistant: "

// Prompt is q's prompt.
func (q DSPQuery) Prompt() string { return fmt.Sprintf(Template, q.Query) }

// CheckDomain says whether d is one of DSPDomains.
func CheckDomain(d string) error {
	if !slices.Contains(DSPDomains, d) {
		return fmt.Errorf("dsp: domain %q: want one of %s", d, strings.Join(DSPDomains, ", "))
	}
	return nil
}

// LoadDSP reads a DSP file, checking that every record has a query and the five answers (one
// "normal" answer of the test split is empty: DomainPairs skips it).
func LoadDSP(path string) ([]DSPQuery, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dsp: %w (the DSP data is CC BY-NC 4.0 and not shipped: get "+
			"data/domain_specific_preference.test.json from github.com/Linear95/DSP and point data at it)", err)
	}
	var qs []DSPQuery
	if err := json.Unmarshal(b, &qs); err != nil {
		return nil, fmt.Errorf("dsp: %s: %w (want a JSON array of {query, responses})", path, err)
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("dsp: %s holds no records", path)
	}
	for i, q := range qs {
		if strings.TrimSpace(q.Query) == "" {
			return nil, fmt.Errorf("dsp: %s: record %d has no query", path, i)
		}
		for _, d := range dspAnswers {
			if _, ok := q.Responses[d]; !ok {
				return nil, fmt.Errorf("dsp: %s: record %d has no %q response", path, i, d)
			}
		}
	}
	return qs, nil
}

// SplitQueries splits the queries (not their pairs, so that no held-out query is seen in
// training) into train and held-out sets: a query is held out when a hash of its text and seed
// falls in the first heldOut fraction, so the split does not depend on the file's order.
func SplitQueries(qs []DSPQuery, heldOut float64, seed uint64) (train, held []DSPQuery) {
	return split(qs, func(q DSPQuery) string { return q.Query }, heldOut, seed)
}

// split holds out the items whose key isHeldOut.
func split[T any](items []T, key func(T) string, heldOut float64, seed uint64) (train, held []T) {
	for _, it := range items {
		if isHeldOut(key(it), heldOut, seed) {
			held = append(held, it)
		} else {
			train = append(train, it)
		}
	}
	return train, held
}

// isHeldOut says whether the item whose text is key is held out: a hash of it and seed falls in
// the first heldOut fraction.
func isHeldOut(key string, heldOut float64, seed uint64) bool {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s", seed, key)
	return float64(h.Sum64()%1_000_000)/1e6 < heldOut
}

// Pair is one preference: Chosen is preferred over Rejected as an answer to Prompt.
type Pair struct {
	Prompt, Chosen, Rejected string
}

// DomainPairs are domain's preferences: its answer is chosen over each other answer of the same
// query (four pairs a query; none with an empty answer).
func DomainPairs(qs []DSPQuery, domain string) []Pair {
	var out []Pair
	for _, q := range qs {
		for _, other := range dspAnswers {
			if other != domain && strings.TrimSpace(q.Responses[other]) != "" && strings.TrimSpace(q.Responses[domain]) != "" {
				out = append(out, Pair{Prompt: q.Prompt(), Chosen: q.Responses[domain], Rejected: q.Responses[other]})
			}
		}
	}
	return out
}

// Shuffled is a copy of pairs in an order drawn from seed.
func Shuffled(pairs []Pair, seed uint64) []Pair {
	out := slices.Clone(pairs)
	rand.New(rand.NewPCG(seed, 0xd5b)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
