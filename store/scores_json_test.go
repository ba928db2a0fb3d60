package store

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
)

// TestAppendContributionsEncodesEveryField fills every field of
// scoring.Contribution, so a field added there but not to the hand-written
// encoders fails here: both forms decode to it, and the object form has
// encoding/json's keys and values.
func TestAppendContributionsEncodesEveryField(t *testing.T) {
	t.Parallel()
	var c scoring.Contribution
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("\"quoted\" \\ é —\n\t\x01 " + v.Type().Field(i).Name)
		case reflect.Float64:
			f.SetFloat(0.5 + float64(i))
		case reflect.Int:
			f.SetInt(int64(i + 1))
		case reflect.Bool:
			f.SetBool(true)
		default:
			t.Fatalf("field %s of kind %s: teach appendContributions and this test about it", v.Type().Field(i).Name, f.Kind())
		}
	}
	cs := []scoring.Contribution{c, {Metric: "m", Family: scoring.FamilyUsage}}
	for name, enc := range map[string]func([]byte, []scoring.Contribution) []byte{
		"compact": appendContributions, "objects": appendContributionObjects,
	} {
		b := enc(nil, cs)
		require.True(t, json.Valid(b), "%s: %s", name, b)
		got, err := decodeContributions(b)
		require.NoError(t, err, name)
		require.Equal(t, cs, got, name)
	}
	var got []scoring.Contribution
	require.NoError(t, json.Unmarshal(appendContributionObjects(nil, cs), &got))
	require.Equal(t, cs, got)

	want, err := json.Marshal([]scoring.Contribution{c})
	require.NoError(t, err)
	var a, e any
	require.NoError(t, json.Unmarshal(appendContributionObjects(nil, []scoring.Contribution{c}), &a))
	require.NoError(t, json.Unmarshal(want, &e))
	require.Equal(t, e, a, "same keys and values as encoding/json")
}

// TestContributionFormsDecodeAlike is the round trip the compact form must
// keep: for random contributions — every optional field zero or not, values
// needing the rounding — decoding the compact form gives exactly what
// decoding the object form (what rows written before hold) gives, and
// what encoding/json gives from the object form; and the compact form is
// much shorter.
func TestContributionFormsDecodeAlike(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(15, 365))
	f := func() float64 {
		switch rng.IntN(5) {
		case 0:
			return 0
		case 1:
			return math.NaN()
		default:
			return (rng.Float64() - 0.3) * math.Pow(10, float64(rng.IntN(12)-4))
		}
	}
	s := func(n int) string {
		if rng.IntN(3) == 0 {
			return ""
		}
		return strings.Repeat("Ab é—\"\\\n"[rng.IntN(8):], rng.IntN(n))
	}
	groups := []string{"", "Enterprise", "all accounts", "Mid-Market", "bad \xff group", "Ab é—\"\\\n"}
	// A detail as scoring words it, from the exact score (so the words
	// stored must be rebuilt from the rounded one), or other words.
	detail := func(c scoring.Contribution) string {
		if c.PeerGroup == "" || rng.IntN(4) == 0 {
			return s(10)
		}
		d := fmt.Sprintf("%s percentile of ", ordinal(int(math.Round(math.Min(99, math.Max(1, c.Score))))))
		if c.PeerGroup == "all accounts" {
			d += c.PeerGroup
		} else {
			d += c.PeerGroup + " peers"
		}
		if rng.IntN(5) == 0 {
			d = strings.Replace(d, "percentile", "per centile", 1)
		}
		return d + " — " + s(6)
	}
	score := func() float64 {
		switch rng.IntN(4) {
		case 0: // a hair from the rounding of the percentile
			return float64(rng.IntN(101)) + 0.5 + (rng.Float64()-0.5)*0.002
		case 1:
			return f()
		default:
			return rng.Float64() * 100
		}
	}
	var compact, objects, elided int
	for range 300 {
		cs := make([]scoring.Contribution, rng.IntN(25))
		for i := range cs {
			cs[i] = scoring.Contribution{
				Metric: s(3), Family: scoring.Family(s(2)), Label: s(3), Value: f(), Score: score(), Weight: f(),
				Contribution: f(), PeerGroup: groups[rng.IntN(len(groups))], PeerCount: rng.IntN(3) * rng.IntN(20000),
				AgeDays: f(), StalenessFactor: f(), Stale: rng.IntN(3) == 0, DirectionUnknown: rng.IntN(3) == 0,
				Candidate: rng.IntN(3) == 0,
			}
			cs[i].Detail = detail(cs[i])
		}
		nb, ob := appendContributions(nil, cs), appendContributionObjects(nil, cs)
		compact, objects = compact+len(nb), objects+len(ob)
		elided += strings.Count(string(ob), " percentile of ") - strings.Count(string(nb), " percentile of ")
		fromCompact, err := decodeContributions(nb)
		require.NoError(t, err, string(nb))
		fromObjects, err := decodeContributions(ob)
		require.NoError(t, err, string(ob))
		var viaJSON []scoring.Contribution
		require.NoError(t, json.Unmarshal(ob, &viaJSON))
		require.Equal(t, viaJSON, fromObjects)
		if len(cs) == 0 {
			require.Empty(t, fromCompact)
			continue
		}
		require.Equal(t, fromObjects, fromCompact, "compact %s\nobjects %s", nb, ob)
	}
	require.Less(t, compact*10, objects*7, "compact %d bytes, objects %d", compact, objects)
	require.Greater(t, elided, 500, "peer words left out of the compact details")
}

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return fmt.Sprintf("%dth", n)
	case n%10 == 1:
		return fmt.Sprintf("%dst", n)
	case n%10 == 2:
		return fmt.Sprintf("%dnd", n)
	case n%10 == 3:
		return fmt.Sprintf("%drd", n)
	}
	return fmt.Sprintf("%dth", n)
}

func TestDecodeContributionsRejectsMalformedCompactRows(t *testing.T) {
	t.Parallel()
	for _, b := range []string{`[["m","usage"]]`, `[["m","usage","L",1,2,3,4,"d"]]`, `[["m","usage","L",1,2,3,4,"d",0,"g",1,2,3,9]]`,
		`[["m","usage","L","1",2,3,4,"d",0]]`, `[[1,"usage","L",1,2,3,4,"d",0]]`, `[["m","usage","L",1,2,3,4,"d","0"]]`} {
		_, err := decodeContributions([]byte(b))
		require.Error(t, err, b)
	}
	got, err := decodeContributions([]byte(` [ ["m","usage","L",1,2,3,4,"d",0] ]`))
	require.NoError(t, err)
	require.Equal(t, []scoring.Contribution{{Metric: "m", Family: scoring.FamilyUsage, Label: "L", Value: 1, Score: 2, Weight: 3, Contribution: 4, Detail: "d"}}, got)
}

func TestAppendContributionsRoundsFloats(t *testing.T) {
	t.Parallel()
	cs := []scoring.Contribution{{
		Metric: "m", Value: 140560.123, Score: 57.142857142857146, Weight: 0.028571428571428574,
		Contribution: -1.2345678, AgeDays: 0.9999999884259259, StalenessFactor: math.NaN(),
	}}
	require.JSONEq(t, `[["m","","",140560,57.143,0.0285714,-1.235,"",0,"",0,1,0]]`, string(appendContributions(nil, cs)))
	require.JSONEq(t, `[{"metric":"m","family":"","label":"","value":140560,"score":57.143,"weight":0.0285714,
		"contribution":-1.235,"detail":"","age_days":1,"staleness":0}]`, string(appendContributionObjects(nil, cs)))
	require.Equal(t, "[]", string(appendContributions(nil, nil)))
}

func TestAppendSubscores(t *testing.T) {
	t.Parallel()
	b := appendSubscores(nil, map[scoring.Family]float64{scoring.FamilyUsage: 61.23456, scoring.FamilyPulse: 90})
	require.JSONEq(t, `{"usage":61.235,"pulse":90}`, string(b))
	require.Equal(t, "{}", string(appendSubscores(nil, nil)))
}

func TestAppendJSONStringReplacesInvalidUTF8(t *testing.T) {
	t.Parallel()
	b := appendJSONString(nil, "a\xffb")
	require.True(t, json.Valid(b))
	var s string
	require.NoError(t, json.Unmarshal(b, &s))
	require.Equal(t, "a\ufffdb", s)
}
