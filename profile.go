package okapi

import (
	"fmt"
	"sort"
	"strings"
)

// Profile is one Odoo version as Okapi plays it: what version() answers, which
// rules apply to keys, how errors are shaped on the wire, and the words and
// paths of the web pages. The web pages, the connection checker and the guide
// all read the same Profile, so the words can never drift apart.
type Profile struct {
	Version int // major version, 14..19

	// version() answer.
	ServerVersion     string
	ServerVersionInfo []any
	ServerSerie       string
	ProtocolVersion   int

	// KeysExpire: keys carry an expiration date and groups a maximum
	// duration (18+).
	KeysExpire bool
	// JSON2: the /json/2 API, /web/version and /json/version exist (19+).
	JSON2 bool
	// JSONRPCErrorCode is error.code of a JSON-RPC error answer.
	JSONRPCErrorCode int
	// DebugFirst: JSON-RPC error.data lists "debug" right after "name"
	// (up to 18); 19 puts it last.
	DebugFirst bool
	// EmptySecretFault: authenticate with an empty secret is Fault 1
	// "scope and key required" (the 18.0 build that was recorded); other
	// versions answer false.
	EmptySecretFault bool
	// IdentityDeniedPlain: a wrong password in the identity check is the
	// bare "Access Denied" (14) rather than the "Incorrect Password…" text.
	IdentityDeniedPlain bool
	// GroupsField is the res.users many2many of groups: groups_id up to 18,
	// group_ids in 19.
	GroupsField string
	// NameGet: the name_get method exists (up to 17, deprecated there);
	// display_name is a field from 17 on.
	NameGet bool
	// SystemUserName is the name of the system user's contact, which
	// records it created show as their author.
	SystemUserName string
	// RPCCooldown: the login cooldown also guards XML-RPC and JSON-RPC
	// logins (up to 15; from 16 Odoo's RPC dispatch escapes it). Okapi
	// guards every path in every profile.
	RPCCooldown bool
	// AdminEmail is the administrator's e-mail as the version's base data
	// sets it at installation (up to 18: admin@example.com; 19: none), as
	// the recordings of 16.0–19.0 show.
	AdminEmail string
	// PortalKeys: portal users may create keys when an administrator turns
	// on "Customers can generate API Keys" (15+), from /my/security in
	// developer mode.
	PortalKeys bool

	UI UI
}

// UI holds the words and paths a person meets when creating a key.
type UI struct {
	MenuEntry string // user menu entry: "My Profile" / "My Preferences"
	// MenuEntryAlt is the same entry's name in a database without the
	// Employees app (14–18: "Preferences"); empty when it has one name.
	MenuEntryAlt     string
	Tab              string // "Account Security" / "Security"
	Section          string // "Developer API Keys" / "API Keys"
	SectionHelp      string // the explanatory line under the title, if any
	NewKeyButton     string // "New API Key" / "Add API Key"
	DevModeRequired  bool   // 15: the section shows only in developer mode
	IdentityTitle    string // "Security Control" / "Access Control"
	IdentityHeading  string
	IdentityCancel   string // "Cancel" / "Discard"
	Cards            bool   // 19: keys shown as kanban cards
	ExpirationColumn bool   // 18: the list has an "Expiration Date" column
	// Devices (17+) is the "Log out from all devices" button: in the
	// group "Other Devices" (17–18) or the row "Devices" (19).
	Devices bool
	// DevicesFirst (17): "Other Devices" comes before the keys.
	DevicesFirst bool
	// DevicesDialog (17): logging out the other devices asks the password
	// in its own dialog, with these words (base's
	// res_users_identitycheck_view_form_revokedevices, 17.0); other
	// versions use the identity check's own.
	DevicesDialog *DevicesDialog
	// DocsLabel and DocsURL are the link to the external API's
	// documentation beside the keys: "Documentation" (14–15), "Learn more"
	// (16+).
	DocsLabel, DocsURL string
	DeleteLabel        string // title of the per-key delete button
	DialogSave         string // preferences dialog footer
	DialogDiscard      string
}

// DevicesDialog is the words of 17's "Log out from all devices?" dialog.
type DevicesDialog struct {
	Title, Text, Prompt, Button string
}

// Duration is one choice in the "Give a duration for the key's validity"
// selector (18+).
type Duration struct {
	Days  int // 0 = persistent, -1 = custom date
	Label string
}

// Durations offered by Odoo 18+, in the order shown.
var Durations = []Duration{
	{1, "1 Day"}, {7, "1 Week"}, {30, "1 Month"}, {90, "3 Months"},
	{180, "6 Months"}, {365, "1 Year"}, {0, "Persistent Key"}, {-1, "Custom Date"},
}

// DurationChoices returns the durations a user may pick: administrators get
// every fixed duration and "Persistent Key"; others the fixed durations up to
// maxDays. "Custom Date" comes last for everyone.
func DurationChoices(admin bool, maxDays float64) []Duration {
	var out []Duration
	for _, d := range Durations {
		switch {
		case d.Days == 0:
			if admin {
				out = append(out, d)
			}
		case d.Days < 0:
			out = append(out, d)
		case admin || float64(d.Days) <= maxDays:
			out = append(out, d)
		}
	}
	return out
}

var profiles = map[int]*Profile{}

func init() {
	for v := 14; v <= 19; v++ {
		profiles[v] = newProfile(v)
	}
}

func newProfile(v int) *Profile {
	serie := fmt.Sprintf("%d.0", v)
	p := &Profile{
		Version:             v,
		ServerVersion:       serie,
		ServerVersionInfo:   []any{int64(v), int64(0), int64(0), "final", int64(0), ""},
		ServerSerie:         serie,
		ProtocolVersion:     1,
		KeysExpire:          v >= 18,
		JSON2:               v >= 19,
		JSONRPCErrorCode:    200,
		DebugFirst:          true,
		GroupsField:         "groups_id",
		NameGet:             v <= 17,
		IdentityDeniedPlain: v == 14,
		SystemUserName:      "OdooBot",
		RPCCooldown:         v <= 15,
		PortalKeys:          v >= 15,
	}
	if v <= 18 {
		p.AdminEmail = "admin@example.com"
	}
	// The recorded servers are nightly builds whose version strings carry
	// the build date (testdata/odoo/*/README.md).
	switch v {
	case 16:
		p.ServerVersion = "16.0-20240216"
	case 17:
		p.ServerVersion = "17.0-20240709"
	case 18:
		// Its key check also asserts a non-empty secret.
		p.ServerVersion = "18.0-20250702"
		p.EmptySecretFault = true
	}
	if v >= 19 {
		p.JSONRPCErrorCode = 0
		p.DebugFirst = false
		p.GroupsField = "group_ids"
		p.SystemUserName = "System"
	}
	ui := UI{
		MenuEntry:       "My Profile",
		MenuEntryAlt:    "Preferences",
		Tab:             "Account Security",
		Section:         "API Keys",
		SectionHelp:     "API Keys are used to connect to Odoo from external tools without the need for a password or Two-factor Authentication.",
		NewKeyButton:    "New API Key",
		IdentityTitle:   "Security Control",
		IdentityHeading: "Please enter your password to confirm you own this account",
		IdentityCancel:  "Cancel",
		DeleteLabel:     "Delete API key.",
		DialogSave:      "Save",
		DialogDiscard:   "Cancel",
	}
	switch {
	case v == 14:
		ui.Section = "Developer API Keys"
		ui.SectionHelp = ""
		ui.IdentityHeading = "Please confirm your password to continue"
		ui.DeleteLabel = "Delete"
	case v == 15:
		ui.Section = "Developer API Keys"
		ui.SectionHelp = ""
		ui.DevModeRequired = true
		ui.DeleteLabel = "Delete"
	case v == 18:
		ui.ExpirationColumn = true
	case v >= 19:
		ui.MenuEntry = "My Preferences"
		ui.MenuEntryAlt = ""
		ui.Tab = "Security"
		ui.SectionHelp = "Connect external services."
		ui.NewKeyButton = "Add API Key"
		ui.IdentityTitle = "Access Control"
		ui.IdentityHeading = "Let's first confirm it's you. Enter your current password:"
		ui.IdentityCancel = "Discard"
		ui.Cards = true
		ui.DeleteLabel = "Delete"
		ui.DialogSave = "Update Preferences"
		ui.DialogDiscard = "Discard"
	}
	ui.Devices = v >= 17
	ui.DocsLabel = "Learn more"
	switch {
	case v <= 15:
		ui.DocsLabel = "Documentation"
		ui.DocsURL = fmt.Sprintf("https://www.odoo.com/documentation/%d.0/developer/misc/api/odoo.html", v)
		if v == 14 {
			ui.DocsURL = "https://www.odoo.com/documentation/14.0/webservices/odoo.html"
		}
	case v == 16:
		ui.DocsURL = "https://www.odoo.com/documentation/16.0/developer/api/external_api.html"
	default:
		ui.DocsURL = fmt.Sprintf("https://www.odoo.com/documentation/%d.0/developer/reference/external_api.html", v)
	}
	if v == 17 {
		ui.DevicesFirst = true
		ui.DevicesDialog = &DevicesDialog{Title: "Log out from all devices?",
			Text:   "You are about to log out from all devices that currently have access to your account.",
			Prompt: "Type in your password to confirm :", Button: "Log out from all devices"}
	}
	p.UI = ui
	return p
}

// ProfileFor returns the profile of an Odoo major version (14..19).
func ProfileFor(version int) (*Profile, error) {
	p, ok := profiles[version]
	if !ok {
		return nil, fmt.Errorf("unsupported Odoo version %d: choose one of %s", version, supportedVersions())
	}
	return p, nil
}

// MustProfile is ProfileFor for versions known to be valid.
func MustProfile(version int) *Profile {
	p, err := ProfileFor(version)
	if err != nil {
		panic(err)
	}
	return p
}

func supportedVersions() string {
	var vs []string
	for v := range profiles {
		vs = append(vs, fmt.Sprint(v))
	}
	sort.Strings(vs)
	return strings.Join(vs, ", ")
}

// VersionStruct is the answer of common.version() and
// /web/webclient/version_info.
func (p *Profile) VersionStruct() Struct {
	return Struct{
		{"server_version", p.ServerVersion},
		{"server_version_info", p.ServerVersionInfo},
		{"server_serie", p.ServerSerie},
		{"protocol_version", int64(p.ProtocolVersion)},
	}
}

// MailPluginPrefixes are the URL prefixes of the e-mail add-ins' routes,
// the version's own first: Odoo 14's module is mail_client_extension; from
// 15 it is mail_plugin, which keeps the old paths for add-ins of 14's time.
func (p *Profile) MailPluginPrefixes() []string {
	if p.Version < 15 {
		return []string{"/mail_client_extension"}
	}
	return []string{"/mail_plugin", "/mail_client_extension"}
}

// Steps is the path a person follows to create a key in this version, as a
// list of short instructions; the guide, the connection checker and the web
// pages' hints all use it.
func (p *Profile) Steps() []string {
	var s []string
	if p.UI.DevModeRequired {
		s = append(s, `Activate the developer mode: Settings → Developer Tools → "Activate the developer mode" (or add ?debug=1 to the URL)`)
	}
	s = append(s,
		fmt.Sprintf(`Click your avatar or name at the top right, then "%s"`, p.UI.MenuEntry)+p.menuAltNote(),
		fmt.Sprintf(`Open the "%s" tab`, p.UI.Tab),
		fmt.Sprintf(`In the "%s" section, click "%s"`, p.UI.Section, p.UI.NewKeyButton),
		fmt.Sprintf(`Confirm your password in the "%s" dialog`, p.UI.IdentityTitle),
	)
	if p.KeysExpire {
		s = append(s, `Name the key and choose its duration: "Persistent Key" if you are an administrator, otherwise the longest duration offered`)
	} else {
		s = append(s, "Name the key (what it is for), then click \"Generate key\"")
	}
	if p.KeysExpire {
		s = append(s, `Click "Generate key"`)
	}
	s = append(s, `Copy the key shown under "API Key Ready" now: it is shown only once`,
		"Use your login and the key in place of your password in the external tool")
	return s
}

func (p *Profile) menuAltNote() string {
	if p.UI.MenuEntryAlt == "" {
		return ""
	}
	return fmt.Sprintf(` ("%s" in databases without the Employees app)`, p.UI.MenuEntryAlt)
}

// Path is the short form of the steps: "Avatar → My Profile → Account
// Security → New API Key".
func (p *Profile) Path() string {
	path := fmt.Sprintf("Avatar → %s → %s → %s", p.UI.MenuEntry, p.UI.Tab, p.UI.NewKeyButton)
	if p.UI.DevModeRequired {
		path = "(developer mode on) " + path
	}
	return path
}
