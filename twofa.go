package okapi

import (
	"context"
	"time"
)

// TrustedDevice is a browser that passed the second login step with "Don't
// ask again on this device" ticked. Its cookie is a secret stored like an
// API key (its keyed hash only), under its own scope, so that a stolen
// database holds no usable cookie.
type TrustedDevice struct {
	ID         int64
	UserID     int64
	Name       string
	Scope      string // DeviceScope
	CreateDate time.Time
	Expiration time.Time
}

// DeviceScope is the scope of trusted-device secrets, as Odoo names it
// (auth_totp's TRUSTED_DEVICE_SCOPE): they open no API, only skip the code.
const DeviceScope = "browser"

// Audit kinds of two-factor authentication.
const (
	AuditTOTPEnabled   = "user.2fa_enabled"
	AuditTOTPDisabled  = "user.2fa_disabled"
	AuditDeviceTrusted = "user.2fa_device_trusted"
	AuditDeviceRevoked = "user.2fa_device_revoked"
)

// TOTPStore keeps two-factor secrets and trusted devices. The secret is
// given to it sealed (encrypted under a key derived from the server
// secret); a device only as the keyed hash of its cookie.
type TOTPStore interface {
	// TOTPSecret returns a user's sealed secret and the last time step a
	// code was accepted for; ErrNotFound when 2FA is off.
	TOTPSecret(ctx context.Context, uid int64) (sealed string, lastCounter int64, err error)
	// EnableTOTP stores a sealed secret with the step of the code that
	// proved it, and records audit, in one transaction; false when 2FA was
	// on already.
	EnableTOTP(ctx context.Context, uid int64, sealed string, counter int64, audit AuditEntry) (bool, error)
	// DisableTOTP removes the secret and every trusted device of uid and
	// records audit, in one transaction; false when 2FA was off.
	DisableTOTP(ctx context.Context, uid int64, audit AuditEntry) (bool, error)
	// SpendTOTPCounter moves the last accepted step forward to counter and
	// reports false when a code of that step or a later one was accepted
	// already: a code works once, on every node.
	SpendTOTPCounter(ctx context.Context, uid int64, counter int64) (bool, error)
	// InsertDevice stores a trusted device by the hash of its secret and
	// sets d.ID.
	InsertDevice(ctx context.Context, d *TrustedDevice, hash string) error
	// DeviceByHash returns the device whose secret hashes to hash and that
	// has not expired at now; ErrNotFound otherwise.
	DeviceByHash(ctx context.Context, hash string, now time.Time) (*TrustedDevice, error)
	// ListDevices returns uid's unexpired trusted devices, newest first.
	ListDevices(ctx context.Context, uid int64, now time.Time) ([]*TrustedDevice, error)
	// DeleteDevices removes uid's device id, or all of them for id 0, and
	// says how many it removed.
	DeleteDevices(ctx context.Context, uid, id int64) (int64, error)
}
