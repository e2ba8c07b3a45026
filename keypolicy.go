package okapi

import (
	"net/netip"
	"strconv"
	"strings"
)

// Policy is what a key may do beyond its scope: which models it may call,
// from which addresses, how often. Odoo has none of it (a key carries all
// the access of its user); the zero value limits nothing. Read-only is
// the key's scope (ScopeRPCRead), not part of the policy. The rules are
// checked in one place, the policy package, for okapi serve and okapi
// gateway alike.
type Policy struct {
	// Models is the allowlist of models the key may call; empty: any.
	Models []string
	// Nets are the networks the key may be used from; empty: anywhere.
	Nets []netip.Prefix
	// Rate is the sustained number of calls per second the key may make;
	// 0: unlimited. Burst is how many may come at once (at least 1).
	Rate  float64
	Burst int
}

// Empty reports whether the policy limits nothing.
func (p *Policy) Empty() bool {
	return p == nil || len(p.Models) == 0 && len(p.Nets) == 0 && p.Rate == 0
}

// AllowsModel reports whether the key may call model.
func (p *Policy) AllowsModel(model string) bool {
	if len(p.Models) == 0 {
		return true
	}
	for _, m := range p.Models {
		if m == model {
			return true
		}
	}
	return false
}

// ModelsText is the allowlist as stored and shown: comma-separated.
func (p *Policy) ModelsText() string { return strings.Join(p.Models, ",") }

// NetsText is the address allowlist as stored and shown: comma-separated
// CIDRs.
func (p *Policy) NetsText() string {
	s := make([]string, len(p.Nets))
	for i, n := range p.Nets {
		s[i] = n.String()
	}
	return strings.Join(s, ",")
}

// RateText is the rate as given on the command line: "20/s", with the
// burst when it is not two seconds' worth ("20/s:5").
func (p *Policy) RateText() string {
	if p.Rate == 0 {
		return ""
	}
	s := strconv.FormatFloat(p.Rate, 'f', -1, 64) + "/s"
	if p.Burst != DefaultBurst(p.Rate) {
		s += ":" + strconv.Itoa(p.Burst)
	}
	return s
}

// String sums the policy up for listings and the audit log, e.g.
// "models res.partner,crm.lead; from 10.0.0.0/8; 20/s"; "" when empty.
func (p *Policy) String() string {
	if p.Empty() {
		return ""
	}
	var parts []string
	if len(p.Models) > 0 {
		parts = append(parts, "models "+p.ModelsText())
	}
	if len(p.Nets) > 0 {
		parts = append(parts, "from "+p.NetsText())
	}
	if p.Rate > 0 {
		parts = append(parts, p.RateText())
	}
	return strings.Join(parts, "; ")
}

// DefaultBurst is the burst a rate gets when none is given: two seconds'
// worth, at least 1.
func DefaultBurst(rate float64) int {
	b := int(2 * rate)
	if b < 1 {
		b = 1
	}
	return b
}

// PolicyFromText rebuilds a stored policy from its columns (ModelsText,
// NetsText, rate, burst); nil when it limits nothing. A network that no
// longer parses is kept as an empty prefix, which matches no address:
// a damaged row refuses rather than opens.
func PolicyFromText(models, nets string, rate float64, burst int) *Policy {
	p := &Policy{Rate: rate, Burst: burst}
	if models != "" {
		p.Models = strings.Split(models, ",")
	}
	if nets != "" {
		for _, s := range strings.Split(nets, ",") {
			n, _ := netip.ParsePrefix(s)
			p.Nets = append(p.Nets, n)
		}
	}
	if p.Rate > 0 && p.Burst < 1 {
		p.Burst = DefaultBurst(p.Rate)
	}
	if p.Empty() {
		return nil
	}
	return p
}
