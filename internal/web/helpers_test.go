package web_test

import "github.com/afscherm/afscherm/internal/requests"

func requestsOpts() requests.CreateOptions { return requests.CreateOptions{} }
