-- t-tag-single: one recipient: every tag added with its exact value, the
-- List-Unsubscribe token is the one campaign-milter -T prints (-D token=).
-- expect-log: T1QID: campaign=spring-2026 from=<news@sender.example> return=<bounces\+User=dest.example@bounce.example> nrcpt=1 tags=Precedence,Feedback-ID,List-Unsubscribe,List-Unsubscribe-Post$
conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
mt.macro(conn, SMFIC_MAIL, "i", "T1QID")
if mt.mailfrom(conn, "<news@sender.example>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<User@Dest.example>") ~= nil then error("rcptto") end
if mt.header(conn, "From", "news@sender.example") ~= nil then error("header") end
if mt.header(conn, "X-Campaign-ID", " spring-2026 ") ~= nil then error("header") end
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("eom reply is not accept") end
if mt.eom_check(conn, MT_HDRADD, "X-Campaign-ID") then error("X-Campaign-ID added twice") end
local want = {
  ["Precedence"] = "bulk",
  ["Feedback-ID"] = "spring-2026:campaign:example",
  ["List-Unsubscribe"] = "<https://unsub.example/u?c=spring-2026&r=user%40dest.example&t="
      .. token .. ">, <mailto:unsubscribe+spring-2026+" .. token .. "@example.com>",
  ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click",
}
for name, value in pairs(want) do
  if not mt.eom_check(conn, MT_HDRADD, name, value) then
    error(name .. " not added as \"" .. value .. "\", got " .. tostring(mt.getheader(conn, name, 0)))
  end
end
if mt.eom_check(conn, MT_HDRCHANGE) or mt.eom_check(conn, MT_BODYCHANGE) then
  error("changed a header or the body")
end
mt.disconnect(conn)
