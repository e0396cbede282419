package web

import "net/http"

// routes lists every URL afscherm serves, in one place.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /static/", staticHandler())
	if s.deps.Requests == nil {
		return
	}

	// The customers' pages: no account, a link from their mail.
	customer := func(h http.HandlerFunc) http.Handler { return customerHeaders(s.limitClients(h)) }
	csrf := http.NewCrossOriginProtection()
	s.mux.Handle("GET /approve/{token}", customer(s.approvePage))
	s.mux.Handle("POST /approve/{token}", csrf.Handler(customer(s.approveDecision)))

	// The staff console: a signed-in staff member or a staff token.
	s.consoleRoutes()

	// Metrics: a staff token, or a separate address (serve --metrics-addr).
	if s.deps.Metrics != nil {
		s.mux.Handle("GET /metrics", s.requireStaff(s.deps.Metrics))
	}

	// The staff API: every route needs a staff token.
	for _, r := range StaffRoutes {
		s.mux.Handle(r.Pattern, s.requireStaff(http.HandlerFunc(r.handler(s))))
	}
}

// StaffRoute is one route of the staff API.
type StaffRoute struct {
	Pattern string
	handler func(*Server) http.HandlerFunc
}

// StaffRoutes are the staff API's routes; a test walks them to show none
// answers without a token.
var StaffRoutes = []StaffRoute{
	{"GET /api/v1/requests", func(s *Server) http.HandlerFunc { return s.apiListRequests }},
	{"POST /api/v1/requests", func(s *Server) http.HandlerFunc { return s.apiCreateRequests }},
	{"GET /api/v1/requests/{id}", func(s *Server) http.HandlerFunc { return s.apiShowRequest }},
	{"GET /api/v1/requests/{id}/consent", func(s *Server) http.HandlerFunc { return s.apiConsent }},
	{"POST /api/v1/requests/{id}/cancel", func(s *Server) http.HandlerFunc { return s.apiCancel }},
	{"POST /api/v1/requests/{id}/send", func(s *Server) http.HandlerFunc { return s.apiSend }},
	{"GET /api/v1/charges", func(s *Server) http.HandlerFunc { return s.apiCharges }},
}
