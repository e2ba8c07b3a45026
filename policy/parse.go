package policy

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/okapi-erp/okapi"
)

// maxModels and maxNets bound a policy, so that a check stays cheap.
const (
	maxModels = 200
	maxNets   = 100
)

// Parse reads a policy as the command line gives it: models and networks
// comma-separated ("res.partner,crm.lead", "10.0.0.0/8,192.168.1.7") and a
// rate "20/s", "1200/m" or "5/s:10" (a burst of 10). Empty strings limit
// nothing; the result is nil when nothing is limited.
func Parse(models, nets, rate string) (*okapi.Policy, error) {
	p := &okapi.Policy{}
	for _, m := range splitList(models) {
		if !validModel(m) {
			return nil, fmt.Errorf("%q is not a model name (such as res.partner)", m)
		}
		p.Models = append(p.Models, m)
	}
	if len(p.Models) > maxModels {
		return nil, fmt.Errorf("at most %d models", maxModels)
	}
	for _, s := range splitList(nets) {
		n, err := parseNet(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a CIDR (such as 10.0.0.0/8)", s)
		}
		p.Nets = append(p.Nets, n)
	}
	if len(p.Nets) > maxNets {
		return nil, fmt.Errorf("at most %d networks", maxNets)
	}
	if rate != "" {
		r, b, err := parseRate(rate)
		if err != nil {
			return nil, err
		}
		p.Rate, p.Burst = r, b
	}
	if p.Empty() {
		return nil, nil
	}
	return p, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func validModel(m string) bool {
	if len(m) > 128 {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return m != ""
}

// parseNet reads a CIDR or a single address, masked to its network.
func parseNet(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// parseRate reads "N/s" or "N/m" (per second or per minute), with an
// optional ":burst".
func parseRate(s string) (float64, int, error) {
	bad := fmt.Errorf("rate %q: want calls per second or minute, such as 20/s, 600/m or 5/s:10 (a burst of 10)", s)
	spec, burstText, hasBurst := strings.Cut(s, ":")
	num, unit, ok := strings.Cut(spec, "/")
	if !ok {
		return 0, 0, bad
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n <= 0 || n > 1e6 {
		return 0, 0, bad
	}
	switch unit {
	case "s", "sec", "second":
	case "m", "min", "minute":
		n /= 60
	default:
		return 0, 0, bad
	}
	burst := okapi.DefaultBurst(n)
	if hasBurst {
		b, err := strconv.Atoi(burstText)
		if err != nil || b < 1 || b > 1e6 {
			return 0, 0, bad
		}
		burst = b
	}
	return n, burst, nil
}
