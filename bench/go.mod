module createservice.local/bench

go 1.24
