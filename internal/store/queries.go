package store

import (
	"bufio"
	"fmt"
	"io/fs"
	"reflect"
	"sort"
	"strings"
)

// queries is the store's whole vocabulary of SQL. Each backend writes every
// statement in its own dialect in its *.sql files; loadQueries insists that
// none is missing and none is extra, so the two backends cannot drift apart.
type queries struct {
	CreateMigrationTable string
	MigrationVersions    string
	RecordMigration      string
	MigrationTableExists string

	InsertCustomer   string
	UpdateCustomer   string
	CustomerByNumber string
	ListCustomers    string
	CountCustomers   string

	InsertDomain string
	UpdateDomain string
	DomainByName string
	ListDomains  string
	CountDomains string

	SearchDomains      string
	CountSearchDomains string
	ExposedPerDay      string

	InsertAuditEvent string
	ListAuditEvents  string

	InsertScanResult     string
	LatestScanOfDomain   string
	ExtendScanResult     string
	SetDomainVerdict     string
	ListScans            string
	LatestScansOfDomains string
	CountVerdicts        string
	ScanOutcomes         string
	PurgeRaw             string
	CountRaw             string
	DomainRegistrars     string
	ActiveRegistrars     string
	ScanCoverage         string
	PlanCandidates       string
	WaitingScans         string
	SaveScanPlan         string
	LatestScanPlan       string
	ClearPlanRest        string
	InsertPlanRest       string
	PlanRest             string
	PlanRestHead         string
	DeletePlanRestHead   string
	LockScanPlan         string

	UpsertWorker       string
	DeleteStaleWorkers string
	DeleteWorker       string
	CountWorkers       string

	InsertDigest string
	LatestDigest string

	InsertRequest         string
	RequestByID           string
	RequestByIDForUpdate  string
	ListRequests          string
	OpenRequestOfDomain   string
	OpenRequestsOfDomains string
	CountRequests         string
	UpdateRequestState    string
	SetRequestExpiry      string
	ExpiredRequests       string
	InsertApprovalToken   string
	ApprovalTokenByHash   string
	UseApprovalToken      string
	InsertConsent         string
	ListConsent           string
	InsertLedgerEntry     string
	ListLedger            string
	SetRequestParty       string
	EnsureTask            string
	TaskByRequest         string
	TaskByID              string
	ListTasks             string
	CompleteTask          string
	CancelTask            string

	InsertMail     string
	MailByID       string
	ListMail       string
	MarkMailSent   string
	MarkMailFailed string

	SecretByName            string
	InsertSecret            string
	PartyHandle             string
	PutPartyHandle          string
	CountRawBefore          string
	ScansToStrip            string
	CountScansToStrip       string
	StripScan               string
	MailsToStrip            string
	CountMailsToStrip       string
	StripMail               string
	StripClientHashes       string
	CountClientHashes       string
	DeleteOldSignInFailures string
	CountOldSignInFailures  string
	DeleteOldDigests        string
	CountOldDigests         string
	CustomersPastTerm       string
	CustomerOutbox          string
	CustomerRequestIDs      string
	CustomerDomainNames     string
	EraseApprovalTokens     string
	EraseTasks              string
	EraseConsent            string
	EraseLedger             string
	EraseOutbox             string
	EraseAudit              string
	EraseUnlinkScans        string
	EraseScans              string
	EraseRequests           string
	ErasePlanRest           string
	EraseDomains            string
	EraseCustomer           string
	ListDigestBodies        string
	SetDigestBody           string

	CatalogueColumns string

	InsertAbuseBlock string
	DeleteAbuseBlock string
	ListAbuseBlocks  string

	InsertStaffUser       string
	StaffUserByName       string
	ListStaffUsers        string
	SetStaffPassword      string
	DisableStaffUser      string
	InsertSession         string
	SessionByHash         string
	TouchSession          string
	DeleteSession         string
	DeleteUserSessions    string
	DeleteExpiredSessions string
	InsertSignInFailure   string
	CountSignInFailures   string
	ClearSignInFailures   string
	LockSignInKey         string
	InsertSignInAttempt   string
	DeleteSignInAttempt   string

	InsertStaffToken string
	StaffTokenByHash string
	TouchStaffToken  string
	ListStaffTokens  string
	RevokeStaffToken string

	RevokeUserStaffTokens string

	LockPriceTables     string
	InsertPriceTable    string
	InsertPriceTableRow string
	CurrentPriceTable   string
	PriceTableByVersion string
	PriceTableRows      string
}

func loadQueries(fsys fs.FS) (*queries, error) {
	found := map[string]string{}
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	for _, file := range files {
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		if err := splitQueries(file, string(b), found); err != nil {
			return nil, err
		}
	}

	q := &queries{}
	v := reflect.ValueOf(q).Elem()
	var missing []string
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		text, ok := found[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		v.Field(i).SetString(text)
		delete(found, name)
	}
	var extra []string
	for name := range found {
		extra = append(extra, name)
	}
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		return nil, fmt.Errorf("backend queries: missing %v, unknown %v", missing, extra)
	}
	return q, nil
}

func splitQueries(file, text string, into map[string]string) error {
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		sql := strings.TrimSpace(body.String())
		if sql == "" {
			return fmt.Errorf("%s: query %s is empty", file, name)
		}
		if _, dup := into[name]; dup {
			return fmt.Errorf("%s: query %s is defined twice", file, name)
		}
		into[name] = sql
		body.Reset()
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return err
			}
			name = strings.TrimSpace(rest)
			continue
		}
		if name != "" {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush()
}
