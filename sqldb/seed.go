package sqldb

import (
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/okapi-erp/okapi"
)

//go:embed seed/countries.csv
var countriesCSV string

// Seeded reports whether the base data is in place.
func (s *Store) Seeded(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM okapi_meta WHERE key = 'seeded'`).Scan(&n)
	return n > 0, err
}

type seedGroup struct {
	id       int64
	xmlid    string
	name     string
	category string
	share    bool
	keyDays  float64
	implies  []int64
}

// The base groups, with the ids fixed in the okapi package. Internal users
// may make keys of up to 90 days (Odoo 18+ default); groups without a say
// leave the 1-day fallback.
var seedGroups = []seedGroup{
	{okapi.GroupUser, "group_user", "Internal User", "User types", false, 90, nil},
	{okapi.GroupPortal, "group_portal", "Portal", "User types", true, 0, nil},
	{okapi.GroupPublic, "group_public", "Public", "User types", true, 0, nil},
	{okapi.GroupSystem, "group_system", "Settings", "Administration", false, 0, []int64{okapi.GroupERPManager, okapi.GroupUser, okapi.GroupPartnerManager}},
	{okapi.GroupERPManager, "group_erp_manager", "Access Rights", "Administration", false, 0, []int64{okapi.GroupUser}},
	{okapi.GroupPartnerManager, "group_partner_manager", "Contact Creation", "Extra Rights", false, 0, nil},
	{okapi.GroupNoOne, "group_no_one", "Technical Features", "Technical", false, 0, nil},
}

// SeedOptions say how to seed.
type SeedOptions struct {
	// AdminHash is the administrator's password hash.
	AdminHash string
	// AdminEmail is the administrator's e-mail; empty for none.
	AdminEmail string
	// Lock, when set, is run first so that nodes starting together seed
	// once (PostgreSQL advisory lock).
	Lock string
	// ResetSequences moves id sequences past rows inserted with explicit
	// ids (PostgreSQL).
	ResetSequences func(context.Context, *Tx, []string) error
}

// Seed writes the base data once: the company, the system user and the
// administrator, the groups, countries, CRM stages and their external ids.
// It reports whether it seeded (false: the data was already there).
func (s *Store) Seed(ctx context.Context, opt SeedOptions) (seeded bool, err error) {
	adminHash, resetSequences := opt.AdminHash, opt.ResetSequences
	err = s.db.Write(ctx, func(tx *Tx) error {
		seeded = false
		if opt.Lock != "" {
			if _, err := tx.Exec(ctx, opt.Lock); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM okapi_meta WHERE key = 'seeded'`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		now := FormatTime(Now())
		exec := func(q string, args ...any) error {
			_, err := tx.Exec(ctx, q, args...)
			return err
		}
		xmlid := func(module, name, model string, id int64) error {
			return exec(`INSERT INTO ir_model_data (module, name, model, res_id) VALUES (?, ?, ?, ?)`, module, name, model, id)
		}
		steps := []func() error{
			func() error {
				return exec(`INSERT INTO res_company (id, name, partner_id, create_date, write_date) VALUES (1, 'My Company', 1, ?, ?)`, now, now)
			},
			func() error {
				for _, p := range []struct {
					id      int64
					name    string
					company bool
					active  bool
					xmlid   string
				}{
					{1, "My Company", true, true, "main_partner"},
					{2, "OdooBot", false, false, "partner_root"},
					{3, "Administrator", false, true, "partner_admin"},
				} {
					// The company's own contact belongs to no company, and
					// was made before any user existed: no author, as Odoo's
					// installation leaves it (19.0 recording); the others
					// were made and last written by the system user.
					var company, author any = int64(1), int64(1)
					if p.company {
						company, author = nil, nil
					}
					var email any
					if p.id == 3 && opt.AdminEmail != "" {
						email = opt.AdminEmail
					}
					if err := exec(`INSERT INTO res_partner (id, name, complete_name, is_company, active, company_id, type, lang, email, create_date, write_date, create_uid, write_uid)
						VALUES (?, ?, ?, ?, ?, ?, 'contact', 'en_US', ?, ?, ?, ?, 1)`, p.id, p.name, p.name, p.company, p.active, company, email, now, now, author); err != nil {
						return err
					}
					if err := xmlid("base", p.xmlid, "res.partner", p.id); err != nil {
						return err
					}
				}
				return xmlid("base", "main_company", "res.company", 1)
			},
			func() error {
				for _, g := range seedGroups {
					if err := exec(`INSERT INTO res_groups (id, name, category, share, api_key_duration, create_date, write_date) VALUES (?, ?, ?, ?, ?, ?, ?)`,
						g.id, g.name, g.category, g.share, g.keyDays, now, now); err != nil {
						return err
					}
					if err := xmlid("base", g.xmlid, "res.groups", g.id); err != nil {
						return err
					}
				}
				for _, g := range seedGroups {
					for _, h := range g.implies {
						if err := exec(`INSERT INTO res_groups_implied_rel (gid, hid) VALUES (?, ?)`, g.id, h); err != nil {
							return err
						}
					}
				}
				return nil
			},
			func() error {
				if err := exec(`INSERT INTO res_users (id, login, password, partner_id, company_id, active, create_date, write_date, create_uid, write_uid)
					VALUES (1, '__system__', NULL, 2, 1, FALSE, ?, ?, 1, 1)`, now, now); err != nil {
					return err
				}
				if err := exec(`INSERT INTO res_users (id, login, password, partner_id, company_id, active, create_date, write_date, create_uid, write_uid)
					VALUES (2, 'admin', ?, 3, 1, TRUE, ?, ?, 1, 1)`, adminHash, now, now); err != nil {
					return err
				}
				for _, gid := range []int64{okapi.GroupSystem, okapi.GroupERPManager, okapi.GroupUser, okapi.GroupPartnerManager} {
					if err := exec(`INSERT INTO res_groups_users_rel (gid, uid) VALUES (?, 2)`, gid); err != nil {
						return err
					}
				}
				if err := xmlid("base", "user_root", "res.users", 1); err != nil {
					return err
				}
				return xmlid("base", "user_admin", "res.users", 2)
			},
			func() error {
				r := csv.NewReader(strings.NewReader(countriesCSV))
				rows, err := r.ReadAll()
				if err != nil {
					return err
				}
				for i, row := range rows[1:] {
					id := int64(i + 1)
					if err := exec(`INSERT INTO res_country (id, code, name) VALUES (?, ?, ?)`, id, row[0], row[1]); err != nil {
						return err
					}
					if err := xmlid("base", strings.ToLower(row[0]), "res.country", id); err != nil {
						return err
					}
				}
				return nil
			},
			func() error {
				for i, st := range []string{"New", "Qualified", "Proposition", "Won"} {
					id := int64(i + 1)
					if err := exec(`INSERT INTO crm_stage (id, name, sequence, is_won, create_date, write_date) VALUES (?, ?, ?, ?, ?, ?)`,
						id, st, id, st == "Won", now, now); err != nil {
						return err
					}
					if err := xmlid("crm", fmt.Sprintf("stage_lead%d", id), "crm.stage", id); err != nil {
						return err
					}
				}
				return nil
			},
			func() error {
				if resetSequences == nil {
					return nil
				}
				return resetSequences(ctx, tx, []string{"res_company", "res_partner", "res_groups", "res_users", "res_country", "crm_stage", "ir_model_data"})
			},
			func() error {
				return exec(`INSERT INTO okapi_meta (key, value) VALUES ('seeded', ?)`, now)
			},
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return fmt.Errorf("seeding: %w", err)
			}
		}
		seeded = true
		return nil
	})
	return seeded, err
}
