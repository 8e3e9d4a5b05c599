package wsfiber

import (
	"github.com/gofiber/fiber/v2"

	"github.com/wsplug/wsplug/wscore"
)

// Config configures a WebSocket route on fiber.
type Config struct {
	// Next defines a function to skip this handler when it returns true: the
	// request goes on with c.Next().
	//
	// Optional. Default: nil
	Next func(c *fiber.Ctx) bool

	// Factory makes the protocol of each connection.
	//
	// Required unless Server is set.
	Factory wscore.ServerProtocolFactory

	// Options are the route's options (origins, limits, MaxConnections...).
	// Ignored when Server is set.
	//
	// Optional. Default: wscore.Options{}
	Options wscore.Options

	// Server serves the route instead of one built from Factory and Options;
	// pass one to keep a handle for Shutdown and Stats (New and NewMiddleware
	// give no other way to reach the engine).
	//
	// Optional. Default: nil
	Server *wscore.Server
}

// ConfigDefault is the default config. New copies it; it is never changed by
// this package.
var ConfigDefault = Config{}

// configDefault picks the config a constructor was given, or the default.
func configDefault(config ...Config) Config {
	if len(config) < 1 {
		return ConfigDefault
	}
	return config[0]
}
