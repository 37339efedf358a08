#!/bin/bash
# NAME
#	unsub_tls.sh - the one-click POST over HTTPS through nginx as the
#	reverse proxy of campaign-unsubscribe(8)'s TLS example
# DESCRIPTION
#	A self-signed certificate for unsub.campaign.test (openssl), nginx on
#	a loopback port with the man page's server block (proxy_pass without
#	a URI, so the request target reaches the server unchanged), and curl
#	--cacert through it: the POST is 200 and written, a replay 200, a
#	forged token 403 and not written, the GET page 200 with its form;
#	without the CA curl refuses the connection.
. "${CAMPAIGN_SRC:-$(dirname "$0")/../..}/tests/harness/lib.sh"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { fail "nginx installed (scripts/install-deps)"; done_testing; }
sandbox_start || { fail "sandbox starts"; done_testing; }
us_write_conf || { fail "configuration written"; done_testing; }
us_start || { fail "campaign-unsubscribe starts"; done_testing; }
touch -d '-1 min' "$SB_CONF/main.cf"	# postmap waits while main.cf looks brand new

N=$SB/nginx
mkdir -p "$N/tmp" && chmod 777 "$N/tmp"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=unsub.campaign.test \
	-addext subjectAltName=DNS:unsub.campaign.test \
	-keyout "$N/key.pem" -out "$N/cert.pem" > "$N/openssl.out" 2>&1
check "self-signed certificate made" test -s "$N/cert.pem"
TLS_PORT=$(sandbox_free_port)
cat > "$N/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
user nobody nogroup;
pid $N/nginx.pid;
error_log $N/error.log;
events { worker_connections 64; }
http {
    access_log $N/access.log;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    server {
        listen 127.0.0.1:$TLS_PORT ssl;
        server_name unsub.campaign.test;
        ssl_certificate     $N/cert.pem;
        ssl_certificate_key $N/key.pem;
        client_max_body_size 4k;
        location /u {
            proxy_pass http://127.0.0.1:$US_PORT;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
CONF
"$NGINX" -t -c "$N/nginx.conf" > "$N/t.out" 2>&1
check "nginx -t accepts the configuration" test $? -eq 0
"$NGINX" -c "$N/nginx.conf" > "$N/run.out" 2>&1 &
NGINX_PID=$!
SB_PIDS+=("$NGINX_PID")
check "nginx listens" wait_for 10 "nginx port" sb_port_in_use "$TLS_PORT"

# tls URL - the https:// form of us_url, resolved to loopback
tls() { sed "s|^http://127.0.0.1:$US_PORT|https://unsub.campaign.test:$TLS_PORT|" <<<"$1"; }
CURL=(curl -s -m 10 --cacert "$N/cert.pem" --resolve "unsub.campaign.test:$TLS_PORT:127.0.0.1")
A=alice@example.com
URL=$(tls "$(us_url spring-2026 $A)")
check_eq "HTTPS POST through nginx: 200" "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -d List-Unsubscribe=One-Click "$URL")" 200
check "written" grep -q 'category=unsubscribe campaign=spring-2026' <<<"$(us_q $A)"
check_eq "replay: 200" "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -d List-Unsubscribe=One-Click "$URL")" 200
check_eq "one 'added' line" "$(grep -c "rcpt=<$A> via=http status=added" "$SB_LOG")" 1
B=bob@example.com
TB=$(us_token c2 $B)
flip=${TB:0:42}$([ "${TB:42}" = A ] && echo B || echo A)
check_eq "forged token through nginx: 403" \
	"$("${CURL[@]}" -o /dev/null -w '%{http_code}' -d List-Unsubscribe=One-Click "$(tls "$(us_url c2 $B "$flip")")")" 403
check_eq "forged: nothing written" "$(us_q $B)" ""
check_eq "GET through nginx: 200" "$("${CURL[@]}" -o "$US_DIR/page" -w '%{http_code}' "$(tls "$(us_url c2 $B)")")" 200
check "GET: the form" grep -q '<form method="post">' "$US_DIR/page"
check_eq "GET: nothing written" "$(us_q $B)" ""
curl -s -m 10 --resolve "unsub.campaign.test:$TLS_PORT:127.0.0.1" -o /dev/null -d List-Unsubscribe=One-Click "$URL"
check_eq "without the CA: curl refuses the certificate (60)" "$?" 60
check_eq "nginx: no error logged" "$(grep -c '\[error\]\|\[crit\]\|\[emerg\]' "$N/error.log")" 0
done_testing
