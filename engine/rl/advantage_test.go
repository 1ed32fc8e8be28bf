package rl

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
}

func TestGroupNormalize(t *testing.T) {
	// Group [1,0,0,0]: mean 0.25, unbiased std sqrt(0.75/3) = 0.5. Group [2,2]: std 0 -> 0.
	got, err := GroupNormalize([]float64{1, 0, 0, 0}, 4)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "group of 4", got, []float64{1.5, -0.5, -0.5, -0.5}, 1e-12)
	got, _ = GroupNormalize([]float64{2, 2, 0, 1}, 2)
	near(t, "zero std", got, []float64{0, 0, -math.Sqrt(0.5), math.Sqrt(0.5)}, 1e-12)
	// One success in 200: mean 0.005, std sqrt(0.995/199) = 0.0707..., z = 14.07 -> clamped to 10.
	r := make([]float64, 200)
	r[0] = 1
	got, _ = GroupNormalize(r, 200)
	if got[0] != 10 || math.Abs(got[1]-(-0.005/math.Sqrt(0.005))) > 1e-12 {
		t.Fatalf("clamp: got %v, %v", got[0], got[1])
	}
	if _, err := GroupNormalize([]float64{1, 2, 3}, 2); err == nil {
		t.Fatal("want an error for a ragged group")
	}
}

func TestRLOOAndBaseline(t *testing.T) {
	got, _ := LeaveOneOut([]float64{1, 0, 0, 0}, 4)
	near(t, "rloo", got, []float64{1, -1.0 / 3, -1.0 / 3, -1.0 / 3}, 1e-12)
	got, _ = Baseline([]float64{1, 0.5}, []float64{0.25, 0.25})
	near(t, "remax", got, []float64{0.75, 0.25}, 1e-12)
}

func TestGAE(t *testing.T) {
	// Zero values, gamma 1, lambda 0.95: A_t = sum_k 0.95^k r_{t+k}.
	adv, ret := GAE([]float64{0, 0, 1}, nil, 1, 0.95)
	near(t, "gae zero values", adv, []float64{0.9025, 0.95, 1}, 1e-12)
	near(t, "returns", ret, adv, 0)
	// Values 0.5: deltas 0, 0, 0.5; A = 0.45125, 0.475, 0.5; returns A + V.
	adv, ret = GAE([]float64{0, 0, 1}, []float64{0.5, 0.5, 0.5}, 1, 0.95)
	near(t, "gae values", adv, []float64{0.45125, 0.475, 0.5}, 1e-12)
	near(t, "gae returns", ret, []float64{0.95125, 0.975, 1}, 1e-12)
	// gamma 0.9, lambda 1, values 0: discounted returns.
	adv, _ = GAE([]float64{1, 0, 1}, nil, 0.9, 1)
	near(t, "gae gamma", adv, []float64{1 + 0.81, 0.9, 1}, 1e-12)
	near(t, "returns-to-go", Returns([]float64{0, 0, 1}, 0.5), []float64{0.25, 0.5, 1}, 1e-12)
}

func TestWhiten(t *testing.T) {
	// Tokens 1, 2, 3: mean 2, biased variance 2/3.
	got := Whiten([][]float64{{1, 2}, {3}, {}})
	s := 1 / math.Sqrt(2.0/3)
	near(t, "whiten row 0", got[0], []float64{-s, 0}, 1e-12)
	near(t, "whiten row 1", got[1], []float64{s}, 1e-12)
	if len(got[2]) != 0 {
		t.Fatal("empty row changed")
	}
	// Constant values: variance clamped to 1e-8, so the result is 0, not NaN.
	got = Whiten([][]float64{{3, 3}})
	near(t, "whiten constant", got[0], []float64{0, 0}, 0)
}

func TestKLEstimators(t *testing.T) {
	if got := K1.KL(-1, -1.5); math.Abs(got-0.5) > 1e-12 {
		t.Fatalf("k1 = %v", got)
	}
	if got, want := K3.KL(-1, -1.5), math.Exp(-0.5)-1+0.5; math.Abs(got-want) > 1e-12 || got < 0 {
		t.Fatalf("k3 = %v, want %v", got, want)
	}
	if K3.KL(-2, -1) < 0 || K3.KL(-1, -1) != 0 {
		t.Fatal("k3 must be non-negative and 0 at equal log-probs")
	}
	// Per-token penalty -coef*KL on every token, the score on the last.
	rw := TokenRewards([]float64{2}, [][]float64{{-1, -2}}, [][]float64{{-1.5, -2}}, 0.1, K1)
	near(t, "token rewards", rw[0], []float64{-0.05, 2}, 1e-12)
}

func TestAdaptiveKL(t *testing.T) {
	c := KLController{Coef: 0.1, Target: 1, Horizon: 10000}
	c.Update(2, 1000) // error clipped to 0.2: coef * (1 + 0.2*0.1)
	if math.Abs(c.Coef-0.102) > 1e-12 {
		t.Fatalf("adaptive coef %v", c.Coef)
	}
	f := KLController{Coef: 0.1}
	f.Update(5, 1000)
	if f.Coef != 0.1 {
		t.Fatal("fixed coefficient moved")
	}
}

func TestAdvantagesGRPO(t *testing.T) {
	// Scores [1, 0] in one group: normalised to ±1/sqrt(2); on the last of 2 tokens; GAE 0.95.
	logp := [][]float64{{-1, -1}, {-1, -1}}
	c := AdvantageConfig{Algo: GRPO, Group: 2, Gamma: 1, Lambda: 0.95}
	adv, _, err := Advantages(c, []float64{1, 0}, nil, logp, logp, nil)
	if err != nil {
		t.Fatal(err)
	}
	z := 1 / math.Sqrt(2)
	near(t, "grpo row 0", adv[0], []float64{0.95 * z, z}, 1e-12)
	near(t, "grpo row 1", adv[1], []float64{-0.95 * z, -z}, 1e-12)
	c.Whiten = true
	w, _, _ := Advantages(c, []float64{1, 0}, nil, logp, logp, nil)
	near(t, "grpo whitened", w[0], Whiten(adv)[0], 1e-12)
	// ReMax and RLOO are return-to-go (gamma 1): the baseline-subtracted score on every token.
	adv, _, _ = Advantages(AdvantageConfig{Algo: ReMax, Group: 2, Gamma: 1}, []float64{1, 0}, []float64{0.5, 0.5}, logp, logp, nil)
	near(t, "remax", adv[0], []float64{0.5, 0.5}, 1e-12)
	adv, _, _ = Advantages(AdvantageConfig{Algo: RLOO, Group: 2, Gamma: 1}, []float64{1, 0}, nil, logp, logp, nil)
	near(t, "rloo", adv[1], []float64{-1, -1}, 1e-12)
	if _, _, err := Advantages(AdvantageConfig{Algo: PPO, Group: 2}, []float64{1, 0}, nil, logp, logp, nil); err == nil {
		t.Fatal("ppo without values must fail")
	}
}

func TestPPOClip(t *testing.T) {
	// ratio 1.5, A=1: clipped to 1.2 (counted); ratio 0.5, A=1: 0.5 (not counted: the clip
	// does not bind in that direction); ratio 0.5, A=-1: -0.8 (counted).
	logp := []float64{math.Log(1.5), math.Log(0.5), math.Log(0.5)}
	loss, clip := PPOClip(logp, []float64{0, 0, 0}, []float64{1, 1, -1}, 0.2)
	if math.Abs(loss-(-1.2-0.5+0.8)/3) > 1e-12 || math.Abs(clip-2.0/3) > 1e-12 {
		t.Fatalf("loss %v clip %v", loss, clip)
	}
}
