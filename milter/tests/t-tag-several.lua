-- t-tag-several: two recipients and no X-Campaign-ID: default_campaign,
-- X-Campaign-ID added, no List-Unsubscribe and no one-click header.
-- expect-log: T2QID: campaign=house from=<news@sender.example> return=<bounces@bounce.example> nrcpt=2 tags=X-Campaign-ID,Precedence,Feedback-ID$
conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
mt.macro(conn, SMFIC_MAIL, "i", "T2QID")
if mt.mailfrom(conn, "<news@sender.example>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<a@dest.example>") ~= nil then error("rcptto") end
if mt.rcptto(conn, "<b@dest.example>") ~= nil then error("rcptto") end
if mt.header(conn, "Subject", "hello") ~= nil then error("header") end
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("eom reply is not accept") end
if not mt.eom_check(conn, MT_HDRADD, "X-Campaign-ID", "house") then error("X-Campaign-ID: house missing") end
if not mt.eom_check(conn, MT_HDRADD, "Precedence", "bulk") then error("Precedence missing") end
if mt.eom_check(conn, MT_HDRADD, "List-Unsubscribe") then error("List-Unsubscribe with two recipients") end
if mt.eom_check(conn, MT_HDRADD, "List-Unsubscribe-Post") then error("one-click with two recipients") end
mt.disconnect(conn)
