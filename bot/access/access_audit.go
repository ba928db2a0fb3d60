package access

import (
	"context"

	"github.com/healthbot/healthbot/store"
)

// AccessStore keeps the audit trail; *store.Store has it.
type AccessStore interface {
	RecordAccess(ctx context.Context, r store.AccessRecord) error
}

var _ AccessStore = (*store.Store)(nil)

// StoreAudit is the Gate's AuditLog in the access_audit table.
type StoreAudit struct{ Store AccessStore }

var _ AuditLog = StoreAudit{}

// RecordAccess writes e as one row.
func (a StoreAudit) RecordAccess(ctx context.Context, e AuditEntry) error {
	return a.Store.RecordAccess(ctx, store.AccessRecord{
		At: e.At, UserID: e.UserID, TeamID: e.TeamID, ChannelID: e.ChannelID,
		Surface: string(e.Surface), Allowed: e.Allowed, Reason: string(e.Reason), AccountIDs: e.AccountIDs,
	})
}
