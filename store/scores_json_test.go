package store

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
)

// TestAppendContributionsEncodesEveryField fills every field of
// scoring.Contribution, so a field added there but not to the hand-written
// encoder fails here.
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
	b := appendContributions(nil, []scoring.Contribution{c, {Metric: "m", Family: scoring.FamilyUsage}})
	require.True(t, json.Valid(b), string(b))
	var got []scoring.Contribution
	require.NoError(t, json.Unmarshal(b, &got))
	require.Equal(t, []scoring.Contribution{c, {Metric: "m", Family: scoring.FamilyUsage}}, got)

	want, err := json.Marshal([]scoring.Contribution{c})
	require.NoError(t, err)
	var a, e any
	require.NoError(t, json.Unmarshal(appendContributions(nil, []scoring.Contribution{c}), &a))
	require.NoError(t, json.Unmarshal(want, &e))
	require.Equal(t, e, a, "same keys and values as encoding/json")
}

func TestAppendContributionsRoundsFloats(t *testing.T) {
	t.Parallel()
	b := appendContributions(nil, []scoring.Contribution{{
		Metric: "m", Value: 140560.123, Score: 57.142857142857146, Weight: 0.028571428571428574,
		Contribution: -1.2345678, AgeDays: 0.9999999884259259, StalenessFactor: math.NaN(),
	}})
	require.JSONEq(t, `[{"metric":"m","family":"","label":"","value":140560,"score":57.143,"weight":0.0285714,
		"contribution":-1.235,"detail":"","age_days":1,"staleness":0}]`, string(b))
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
