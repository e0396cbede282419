package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/staffauth"
	"github.com/afscherm/afscherm/internal/store"
)

// The console's sessions and sign-in limits.
const (
	sessionCookie = "afscherm_session"
	// DefaultSessionTTL is how long a session lasts from sign-in.
	DefaultSessionTTL = 12 * time.Hour
	// signInWindow and signInLimit: at most signInLimit failed sign-ins per
	// user name, and per client, in signInWindow.
	signInWindow = 15 * time.Minute
	signInLimit  = 5
)

// ConsoleRoute is one page or form of the staff console.
type ConsoleRoute struct {
	Pattern string
	handler func(*Server) http.HandlerFunc
}

// ConsoleRoutes are the console's routes; each needs a signed-in staff
// member or a staff API token, and a test walks them to prove it. The
// sign-in page itself is the only console route without.
var ConsoleRoutes = []ConsoleRoute{
	{"GET /staff/{$}", func(s *Server) http.HandlerFunc { return s.overviewPage }},
	{"GET /staff/domains", func(s *Server) http.HandlerFunc { return s.domainsPage }},
	{"GET /staff/domains/{name}", func(s *Server) http.HandlerFunc { return s.domainPage }},
	{"GET /staff/requests", func(s *Server) http.HandlerFunc { return s.requestsPage }},
	{"POST /staff/requests", func(s *Server) http.HandlerFunc { return s.requestsAction }},
	{"GET /staff/requests/{id}", func(s *Server) http.HandlerFunc { return s.requestPage }},
	{"GET /staff/charges", func(s *Server) http.HandlerFunc { return s.chargesPage }},
	{"GET /staff/charges.csv", func(s *Server) http.HandlerFunc { return s.chargesCSV }},
	{"GET /staff/tasks", func(s *Server) http.HandlerFunc { return s.tasksPage }},
	{"POST /staff/tasks/{id}/done", func(s *Server) http.HandlerFunc { return s.taskDone }},
	{"GET /staff/jobs", func(s *Server) http.HandlerFunc { return s.jobsPage }},
	{"POST /staff/signout", func(s *Server) http.HandlerFunc { return s.signOut }},
}

func (s *Server) consoleRoutes() {
	csrf := http.NewCrossOriginProtection()
	s.mux.Handle("GET /staff", http.RedirectHandler("/staff/", http.StatusMovedPermanently))
	s.mux.Handle("GET /staff/signin", staffHeaders(http.HandlerFunc(s.signInPage)))
	s.mux.Handle("POST /staff/signin", csrf.Handler(staffHeaders(http.HandlerFunc(s.signIn))))
	for _, r := range ConsoleRoutes {
		s.mux.Handle(r.Pattern, csrf.Handler(staffHeaders(s.requireConsole(r.handler(s), true))))
	}
	if s.deps.RiverUI != nil {
		// River's single-page app posts JSON, not our forms: the
		// cross-origin check guards it.
		s.mux.Handle(RiverUIPrefix+"/", csrf.Handler(riverUIHeaders(s.requireConsole(s.longWrite(s.auditRiverUI(s.deps.RiverUI)), false))))
	}
}

// riverUIHeaders let River UI's own scripts and styles run, from this
// origin only; nothing of it is cached, since its answers show jobs' data
// (noStore, as Go's file server drops Cache-Control from its errors).
func riverUIHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w = &noStore{w}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// staffHeaders are the console's security headers: nothing from elsewhere,
// no scripts, no framing, no referrer, no caching.
func staffHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// viewer is who looks at a console page.
type viewer struct {
	Name string
	// CSRF is the form token of the session; empty for a staff API token,
	// which needs none (no cookie rides along).
	CSRF string
}

type viewerKey struct{}

func viewerOf(r *http.Request) viewer {
	v, _ := r.Context().Value(viewerKey{}).(viewer)
	return v
}

// requireConsole lets in a signed-in staff member (and, with forms, checks
// the form token of every form they post) or a staff API token; others are
// sent to the sign-in page (GET) or refused (401).
func (s *Server) requireConsole(next http.Handler, forms bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v viewer
		if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			t, err := s.staffToken(r.Context(), token)
			if err != nil {
				s.consoleProblem(w, r, http.StatusUnauthorized, "Unknown, revoked or expired staff token.")
				return
			}
			v = viewer{Name: t.Name}
		} else {
			sess, hash, err := s.session(r)
			if err != nil {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/staff/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				s.consoleProblem(w, r, http.StatusUnauthorized, "You are not signed in, or your session has ended. Sign in again.")
				return
			}
			v = viewer{Name: sess.UserName, CSRF: s.formToken(hash)}
			if forms && r.Method == http.MethodPost {
				r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
				if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(v.CSRF)) {
					s.consoleProblem(w, r, http.StatusForbidden, "This form is out of date or was not sent from the console. Nothing was changed; open the page again.")
					return
				}
			}
		}
		ctx := context.WithValue(r.Context(), viewerKey{}, v)
		ctx = context.WithValue(ctx, actorKey{}, model.Actor{Kind: model.ActorStaff, ID: v.Name})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// session finds the request's live session, and its token's hash.
func (s *Server) session(r *http.Request) (store.Session, string, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return store.Session{}, "", errors.New("no session cookie")
	}
	hash := staffauth.TokenHash(c.Value)
	sess, err := s.deps.Store.SessionByHash(r.Context(), hash)
	return sess, hash, err
}

// formToken is the session's token for its forms.
func (s *Server) formToken(sessionHash string) string {
	m := hmac.New(sha256.New, s.consoleKey())
	m.Write([]byte("console-form:" + sessionHash))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) consoleKey() []byte {
	if s.deps.Requests != nil && len(s.deps.Requests.Keys.CSRF) > 0 {
		return s.deps.Requests.Keys.CSRF
	}
	return s.deps.ConsoleKey
}

func (s *Server) secureCookies(r *http.Request) bool { return r.TLS != nil || s.deps.SecureCookies }

func (s *Server) sessionTTL() time.Duration {
	if s.deps.SessionTTL > 0 {
		return s.deps.SessionTTL
	}
	return DefaultSessionTTL
}

// signInPage shows the sign-in form.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	s.renderConsole(w, r, http.StatusOK, "signin", map[string]any{"Title": "Sign in", "Next": safeNext(r.URL.Query().Get("next"))})
}

// signIn checks a name and password, at most signInLimit failures per name
// and per client in signInWindow, and starts a session. The attempt counts
// as a failure before the password is checked, so concurrent attempts
// cannot pass the limit; passwords are checked a few at a time
// (Deps.Passwords), the rest refused with 429; and an unknown or disabled
// name costs the same hashing as a real one. Logs and the failure count
// hold the name only as a keyed hash.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	data := map[string]any{"Title": "Sign in", "Next": next, "Name": name}
	ctx := r.Context()
	since := s.deps.Store.Now().Add(-signInWindow)
	nameHash := s.nameHash(name)
	nameKey, clientKey := "name:"+nameHash, "client:"+s.clientKey(r)
	attempt, full, err := s.deps.Store.StartSignIn(ctx, []string{nameKey, clientKey}, since, signInLimit)
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	if full != "" {
		by := "name"
		if full == clientKey {
			by = "client"
		}
		s.deps.Log.Warn("sign-in refused: locked out", "name_hash", nameHash, "limit_reached_by", by)
		w.Header().Set("Retry-After", "900")
		data["Error"] = "Too many failed attempts. Wait a quarter of an hour and try again."
		s.renderConsole(w, r, http.StatusTooManyRequests, "signin", data)
		return
	}
	u, err := s.deps.Store.StaffUser(ctx, name)
	if err != nil && !model.IsKind(err, model.KindNotFound) {
		s.forgiveSignIn(context.WithoutCancel(ctx), attempt) // nothing was checked
		s.consoleError(w, r, err)
		return
	}
	var encoded string // empty: checked against a dummy hash, matching nothing
	if err == nil && u.DisabledAt.IsZero() {
		encoded = u.PasswordHash
	}
	ok, renewed, err := s.deps.Passwords.Check(ctx, encoded, password)
	if err != nil {
		s.forgiveSignIn(context.WithoutCancel(ctx), attempt) // nothing was checked
		if errors.Is(err, staffauth.ErrBusy) {
			s.deps.Log.Warn("sign-in refused: too many at once", "name_hash", nameHash)
			w.Header().Set("Retry-After", "5")
			data["Error"] = "Too many sign-ins at once. Try again in a few seconds."
			s.renderConsole(w, r, http.StatusTooManyRequests, "signin", data)
			return
		}
		if ctx.Err() == nil { // else the client has gone
			s.consoleError(w, r, err)
		}
		return
	}
	if !ok {
		s.deps.Log.Warn("sign-in failed", "name_hash", nameHash)
		data["Error"] = "Wrong name or password."
		s.renderConsole(w, r, http.StatusUnauthorized, "signin", data)
		return
	}
	token, hash := staffauth.NewToken()
	ttl := s.sessionTTL()
	err = s.deps.Store.InTx(ctx, func(tx *store.Tx) error {
		if renewed != "" { // costs raised since: hashed again
			if err := tx.SetStaffPassword(ctx, u.ID, renewed); err != nil {
				return err
			}
		}
		if err := tx.InsertSession(ctx, hash, u.ID, tx.Now().Add(ttl)); err != nil {
			return err
		}
		_, err := tx.AddAuditEvent(ctx, model.AuditEvent{Actor: model.Actor{Kind: model.ActorStaff, ID: u.Name},
			Action: "staff.signed_in", SubjectKind: "staff_user", SubjectID: u.Name})
		return err
	})
	if err != nil {
		s.consoleError(w, r, err)
		return
	}
	s.forgiveSignIn(ctx, attempt)
	if err := s.deps.Store.ClearSignInFailures(ctx, nameKey, since); err != nil {
		s.deps.Log.Warn("failed sign-ins not cleared after a right password", "name_hash", nameHash, "error", err)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/staff", HttpOnly: true,
		Secure: s.secureCookies(r), SameSite: http.SameSiteStrictMode, MaxAge: int(ttl / time.Second)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// nameHash is the keyed hash of a name typed at sign-in, which is all the
// failure count and the logs hold of it: it may be a person's name, or a
// password typed in the wrong field.
func (s *Server) nameHash(name string) string {
	return s.deps.Requests.Keys.ClientHash("staff-name:" + name)
}

// signOut ends the session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.deps.Store.DeleteSession(r.Context(), staffauth.TokenHash(c.Value)); err != nil {
			s.consoleError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/staff", HttpOnly: true,
		Secure: s.secureCookies(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/staff/signin", http.StatusSeeOther)
}

// safeNext keeps a place to go after sign-in inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/staff/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/staff/"
	}
	return next
}

func (s *Server) consoleProblem(w http.ResponseWriter, r *http.Request, status int, message string) {
	s.renderConsole(w, r, status, "problem", map[string]any{"Title": http.StatusText(status), "Message": message})
}

// consoleError answers an error by its kind; an internal one is logged and
// not shown.
func (s *Server) consoleError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := err.Error()
	if status == http.StatusInternalServerError {
		s.logError(r.Context(), "console", err, "route", r.Pattern) // the path may hold a domain name
		msg = "Something went wrong on our side; it has been logged."
	}
	s.consoleProblem(w, r, status, msg)
}

func (s *Server) renderConsole(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	data["Viewer"] = viewerOf(r)
	data["Company"] = s.deps.Company
	data["Path"] = r.URL.Path
	var page bytes.Buffer
	if err := consolePages.ExecuteTemplate(&page, name, data); err != nil {
		s.logError(r.Context(), "render console page", err, "page", name)
		http.Error(w, "the page could not be shown; the error has been logged", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(page.Bytes()) //nolint:errcheck // the client went away
}

var consoleFuncs = template.FuncMap{
	"day":      func(t time.Time) string { return dateIn(t, "2006-01-02") },
	"minute":   func(t time.Time) string { return dateIn(t, "2006-01-02 15:04") },
	"euro":     func(c model.Cents) string { return c.Dutch() },
	"display":  model.DisplayDomainName,
	"fields":   func() []model.Field { return model.Fields },
	"add":      func(a, b int) int { return a + b },
	"contains": strings.Contains,
}

var amsterdam = mustLoad("Europe/Amsterdam")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

func dateIn(t time.Time, layout string) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(amsterdam).Format(layout)
}

var consolePages = template.Must(template.New("").Funcs(consoleFuncs).ParseFS(templateFiles, "templates/console/*.html"))

// forgiveSignIn takes back an attempt that was counted before its password
// was checked; a failure leaves one attempt too many counted, which is
// logged (never the name).
func (s *Server) forgiveSignIn(ctx context.Context, attempt store.SignInAttempt) {
	if err := s.deps.Store.ForgiveSignIn(ctx, attempt); err != nil {
		s.deps.Log.Warn("sign-in attempt not taken back", "error", err)
	}
}
