package demo

// csmSeed is one demo CSM: who they are, where they work and which segment
// they cover.
type csmSeed struct {
	name, email, slackID, tz string
	segment                  int
}

// MostlyGreenCSM is the demo CSM whose pulse drifts into "a flood of
// green" (#17): Healthy nearly always, whatever the data says, so the
// team view and the digest flag them.
const MostlyGreenCSM = "Sofia Rossi"

// The demo team: eight CSMs in three time zones, split by segment.
var csmSeeds = []csmSeed{
	{"Maya Chen", "maya.chen", "U0DEMO01", "America/Los_Angeles", segEnterprise},
	{"Daniel Okafor", "daniel.okafor", "U0DEMO02", "America/New_York", segEnterprise},
	{"Sofia Rossi", "sofia.rossi", "U0DEMO03", "Europe/Berlin", segMidMarket},
	{"Ethan Brooks", "ethan.brooks", "U0DEMO04", "America/New_York", segMidMarket},
	{"Priya Natarajan", "priya.natarajan", "U0DEMO05", "America/Los_Angeles", segMidMarket},
	{"Lukas Becker", "lukas.becker", "U0DEMO06", "Europe/Berlin", segSMB},
	{"Grace Kim", "grace.kim", "U0DEMO07", "America/New_York", segSMB},
	{"Tomás Silva", "tomas.silva", "U0DEMO08", "Europe/Berlin", segSMB},
}

// EmailDomain is the domain of every demo CSM's email address.
const EmailDomain = "healthbot-demo.example"

// SlackIDPrefix starts every demo CSM's fake Slack user id.
const SlackIDPrefix = "U0DEMO"

var namePrefixes = []string{
	"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent",
	"Cyberdyne", "Tyrell", "Wonka", "Gringotts", "Monarch", "Pied Piper", "Aperture", "Black Mesa",
	"Northwind", "Contoso", "Fabrikam", "Litware", "Tailspin", "Wingtip", "Adventure", "Blue Yonder",
	"Coho", "Fourth Coffee", "Lucerne", "Margie", "Proseware", "Alpine", "Bluebird", "Cobalt",
	"Driftwood", "Evergreen", "Foxglove", "Granite", "Harbor", "Ironbark", "Juniper", "Kestrel",
	"Lighthouse", "Meridian", "Nimbus", "Orchard", "Pinnacle", "Quarry", "Redwood", "Summit",
	"Tidewater", "Upland", "Vertex", "Willow", "Yellowstone", "Zephyr", "Atlas", "Beacon", "Cascade",
	"Delta", "Ember",
}

var nameSuffixes = []string{
	"Corp", "Logistics", "Health", "Labs", "Analytics", "Systems", "Foods", "Energy", "Capital",
	"Robotics", "Media", "Retail", "Partners", "Software", "Clinics", "Freight", "Insurance",
	"Learning", "Manufacturing", "Hospitality", "Biotech", "Security", "Travel", "Motors",
	"Realty", "Telecom", "Pharma", "Studios", "Outdoors", "Dynamics",
}

var industries = []string{"logistics", "healthcare", "retail", "finance", "manufacturing", "software", "education", "media"}

var regions = []string{"NA", "EMEA", "APAC"}

// Notes CSMs write, by reason code.
var notesByReason = map[string][]string{
	"champion_left": {
		"Our champion left last month; the new ops lead hasn't engaged yet.",
		"Sponsor moved to another company. Trying to get a meeting with her successor.",
		"Main admin resigned, nobody owns the rollout now.",
	},
	"budget_cut": {
		"Finance is reviewing every tool; they asked for a cheaper plan.",
		"Hiring freeze and budget cuts announced in the last all-hands.",
		"Procurement wants to cut seats at renewal.",
	},
	"low_adoption": {
		"Only the core team logs in; the wider rollout stalled.",
		"Usage dropped after onboarding ended. Planning a re-training session.",
		"They never rolled out the reporting module.",
	},
	"product_gaps": {
		"Missing SSO groups is a blocker for their IT team.",
		"They keep asking for the Salesforce sync we don't have yet.",
		"Evaluating a competitor because of the mobile app.",
	},
	"support_issues": {
		"Two escalations this month about the import failing.",
		"Frustrated with response times on their last P1 ticket.",
		"Recurring bug in exports; they are losing patience.",
	},
	"expanding": {
		"Talking about adding the EU team next quarter.",
		"Asked for a quote for 50 more seats.",
		"New department wants in — upsell opportunity.",
	},
	"happy_sponsor": {
		"Great QBR, the VP quoted our numbers to her board.",
		"Sponsor is happy and agreed to be a reference.",
		"Smooth quarter, they love the new dashboards.",
	},
	"other": {
		"Reorg on their side, waiting to see who owns the tool.",
		"Quiet month, nothing notable.",
		"Merger announced; outcome unclear.",
	},
}

// notesWithoutReason are notes a CSM leaves with no reason code.
var notesWithoutReason = []string{
	"Weekly sync went fine.",
	"All good, checking in again after their planning cycle.",
	"Following up on the training session next week.",
	"No news this week.",
}
