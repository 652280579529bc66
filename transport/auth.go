package transport

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are linkup's JWT claims: the standard ones (sub is the user id,
// exp is required) and an optional list of roles.
type Claims struct {
	Roles []string `json:"roles,omitempty"`
	jwt.RegisteredClaims
}

// HasRole reports whether the claims carry role.
func (c *Claims) HasRole(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// RoleAnalyst is the role the query API requires.
const RoleAnalyst = "analyst"

// IssueToken signs an HS256 token for user with the given roles, valid for
// ttl from now.
func IssueToken(secret []byte, user string, roles []string, ttl time.Duration) (string, error) {
	if user == "" {
		return "", errors.New("transport: token needs a user id")
	}
	if ttl <= 0 {
		return "", errors.New("transport: token ttl must be positive")
	}
	now := time.Now()
	claims := Claims{Roles: roles, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   user,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}

// VerifyToken checks an HS256 token's signature, its required exp (no
// leeway: a token is refused from the second it expires, as the session it
// opens would end then) and its non-empty sub. The error never contains the
// token or the secret.
func VerifyToken(secret []byte, token string) (*Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired())
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrUnauthorized, tokenProblem(err))
	}
	if c.Subject == "" {
		return nil, fmt.Errorf("%w: token has no sub", ErrUnauthorized)
	}
	return &c, nil
}

// tokenProblem names what is wrong with a token without echoing it.
func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "token malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "token signature invalid"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "token lacks exp"
	default:
		return "token invalid"
	}
}
