-- t-header-budget: more header bytes than max_header_bytes (1k in
-- t-header-budget.conf) gets a 552 5.3.4 (the reply text is checked at
-- the SMTP client by milter_badinput.sh).
-- expect-log: T5QID: reject: header exceeds max_header_bytes 1024
conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
mt.macro(conn, SMFIC_MAIL, "i", "T5QID")
if mt.mailfrom(conn, "<news@sender.example>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<a@dest.example>") ~= nil then error("rcptto") end
for i = 1, 40 do
  if mt.header(conn, "X-Filler-" .. i, "a header value of about forty bytes") ~= nil then error("header") end
end
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("no SMTP reply code") end
if mt.eom_check(conn, MT_HDRADD) then error("added a header to a rejected message") end
mt.disconnect(conn)
