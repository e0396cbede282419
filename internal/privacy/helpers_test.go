package privacy_test

import "github.com/afscherm/afscherm/internal/requests"

func requestsOpts() requests.CreateOptions { return requests.CreateOptions{} }

func clientOf() requests.Client {
	return requests.Client{Address: "198.51.100.23", UserAgent: "Firefox/130"}
}
