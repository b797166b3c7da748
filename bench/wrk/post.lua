-- wrk script: POST a new resource on every request (the closed-loop POST benchmark).
wrk.method = "POST"
wrk.body = '{"name":"bench","description":"created by wrk"}'
wrk.headers["Content-Type"] = "application/json"
