// Package pulse is the weekly check-in: each CSM gets a DM at their local
// hour listing their accounts with Healthy/Concerning/Poor buttons, a note
// modal and Later; reminders for the gaps; `/health pulse` and `/health
// away`. Each send is claimed per CSM and week through app.Claim, so one
// replica sends it and a crashed send resumes with the pages still missing.
// It never imports package bot: cmd/healthbot registers it on the router.
package pulse
