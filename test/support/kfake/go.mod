module github.com/create-service/test/support/kfake

go 1.26.0

require github.com/twmb/franz-go/pkg/kfake v0.0.0-20260918054303-01f206a7e32c

// franz-go v1.22.2 although kfake's go.mod asks for v1.21.7 only: kfake
// does not build with it (kversion.Versions.EachSupportedFeature).
require (
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/pierrec/lz4/v4 v4.1.33 // indirect
	github.com/twmb/franz-go v1.22.2 // indirect
	github.com/twmb/franz-go/pkg/kmsg v1.15.0 // indirect
)
