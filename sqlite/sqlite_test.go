package sqlite_test

import (
	"testing"

	"github.com/okapi-erp/okapi/storetest"
)

func TestBehaviour(t *testing.T) { storetest.Run(t, "sqlite") }
