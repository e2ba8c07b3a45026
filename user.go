package okapi

import "time"

// User is a person or a bot that logs in. Name and e-mail live on the user's
// partner (contact) record, as in Odoo; they are copied here for convenience.
// Kind and the administrator flag are derived from group membership, so that
// granting a group over RPC (groups_id: [(4, id)]) changes them as in Odoo.
type User struct {
	ID        int64
	Login     string
	Name      string
	Email     string
	PartnerID int64
	CompanyID int64
	Active    bool
	// Groups are the ids of every group the user is in, implied ones
	// included.
	Groups     []int64
	CreateDate time.Time
	WriteDate  time.Time
	// TOTP: two-factor authentication is on, so the password no longer
	// works over RPC (API keys only), and the web login asks for a code.
	TOTP bool
	// ReadOnly: this copy of the user acts through a read-only key
	// (ScopeRPCRead), which may read and never write. The copies the
	// caches hold never have it.
	ReadOnly bool
	// KeyID and Policy: this copy of the user acts through the key KeyID,
	// whose policy (models, addresses, rate) the policy package checks.
	// Set only on copies made for a call whose key has a policy.
	KeyID  int64
	Policy *Policy
}

// WithReadOnly returns u itself, or a copy limited to reading when
// readOnly (the caches' user is shared and stays untouched).
func (u *User) WithReadOnly(readOnly bool) *User {
	return u.WithKey(0, readOnly, nil)
}

// WithKey returns u itself when the key of the call limits nothing, or a
// copy that carries the key's limits: read-only, and its policy. The
// caches' user is shared and stays untouched.
func (u *User) WithKey(keyID int64, readOnly bool, p *Policy) *User {
	if u == nil || !readOnly && p.Empty() {
		return u
	}
	c := *u
	c.ReadOnly = readOnly
	if !p.Empty() {
		c.KeyID, c.Policy = keyID, p
	}
	return &c
}

// Internal reports whether the user is an internal user (base.group_user).
func (u *User) Internal() bool { return u.InGroup(GroupUser) }

// Portal reports whether the user is a portal user (base.group_portal).
func (u *User) Portal() bool { return !u.Internal() && u.InGroup(GroupPortal) }

// Share is Odoo's res.users.share: true for everyone who is not internal.
func (u *User) Share() bool { return !u.Internal() }

// Admin reports whether the user is an administrator (base.group_system,
// "Settings"): the only users who may create persistent keys and manage
// other users' keys.
func (u *User) Admin() bool { return u.InGroup(GroupSystem) }

// InGroup reports whether the user is in the group with that id.
func (u *User) InGroup(id int64) bool {
	for _, g := range u.Groups {
		if g == id {
			return true
		}
	}
	return false
}

// Kind is "internal", "portal" or "public".
func (u *User) Kind() string {
	switch {
	case u.Internal():
		return KindInternal
	case u.Portal():
		return KindPortal
	}
	return KindPublic
}

// User kinds.
const (
	KindInternal = "internal"
	KindPortal   = "portal"
	KindPublic   = "public"
)

// Well-known records. Their ids are fixed at seeding so that every database
// agrees, as Odoo's ids agree for its base data.
const (
	// SuperuserID is the system user (OdooBot): inactive, never logs in.
	SuperuserID int64 = 1
	// AdminID is the administrator created on first start.
	AdminID int64 = 2
	// MainCompanyID is "My Company".
	MainCompanyID int64 = 1
)

// Group ids of the base groups.
const (
	GroupUser           int64 = 1 // base.group_user: internal user
	GroupPortal         int64 = 2 // base.group_portal
	GroupPublic         int64 = 3 // base.group_public
	GroupSystem         int64 = 4 // base.group_system: administrator ("Settings")
	GroupERPManager     int64 = 5 // base.group_erp_manager: "Access Rights"
	GroupPartnerManager int64 = 6 // base.group_partner_manager: contact creation
	GroupNoOne          int64 = 7 // base.group_no_one: technical features
)

// Group is a set of users sharing rights. APIKeyDays is the longest key
// duration its members may choose (Odoo 18+ api_key_duration; 0 = no say).
type Group struct {
	ID         int64
	XMLID      string
	Name       string
	APIKeyDays float64
	Share      bool
}

// MaxKeyDays is the longest key duration, in days, the user may choose: the
// largest of their groups' durations, or 1 day when no group sets one.
func MaxKeyDays(groups []Group) float64 {
	var m float64
	for _, g := range groups {
		if g.APIKeyDays > m {
			m = g.APIKeyDays
		}
	}
	if m == 0 {
		return 1
	}
	return m
}

// NewUser is what it takes to create a user.
type NewUser struct {
	Login        string
	Name         string
	Email        string
	PasswordHash string // already hashed; empty means no password login
	Kind         string // KindInternal (default) or KindPortal
	Admin        bool
	CreatedBy    int64
	// Defaults gives an internal user the extra groups of Odoo's default
	// user template (contact creation), as users made in the web pages or
	// on the command line get; users made over RPC get only what they ask.
	Defaults bool
}
