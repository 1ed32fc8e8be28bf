package run

import "testing"

func TestMovingMean(t *testing.T) {
	m := MovingMean{N: 3}
	for i, want := range []float64{1, 1.5, 2, 3, 4} { // over 1, 2, 3, 4, 5
		if got := m.Add(float64(i + 1)); got != want {
			t.Errorf("after %d: %v, want %v", i+1, got, want)
		}
	}
	raw := MovingMean{} // N 0 is no smoothing
	raw.Add(5)
	if got := raw.Add(7); got != 7 {
		t.Errorf("N 0: %v, want 7", got)
	}
}
