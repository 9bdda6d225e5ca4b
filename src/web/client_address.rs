//! Who the client is, for rate limits: the peer's address, or — only when the peer is
//! one of `server.trusted_proxies` — the right-most address in `Forwarded` (or
//! `X-Forwarded-For`) that is not a trusted proxy. Anyone can write those headers, so
//! they are believed only from a proxy we trust; and an IPv6 client is keyed by its
//! /64, which one household or host holds whole.

use std::{
    net::IpAddr,
    sync::atomic::{AtomicBool, Ordering},
};

use poem::{Endpoint, Middleware, Request, Result, http::HeaderMap};

use crate::network::{Network, canonical, masked};

/// The client of a request, as its rate limits see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// The key its rate limits count under: the IPv4 address, or the IPv6 /64.
    pub fn rate_key(&self) -> String {
        match canonical(self.0) {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let network = masked(u128::from(v6), 64);
                format!("{}/64", std::net::Ipv6Addr::from(network))
            }
        }
    }
}

/// The client behind `peer`: the right-most forwarded address that is not a trusted
/// proxy, walking left from the peer only while each hop is trusted. A hop that names
/// no usable address (`unknown`, an obfuscated name) ends the walk at the proxy that
/// reported it.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[Network]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|network| network.contains(ip));
    let peer = canonical(peer);
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_chain(headers).into_iter().rev() {
        let Some(ip) = hop else {
            return client;
        };
        client = canonical(ip);
        if !is_trusted(client) {
            return client;
        }
    }
    client
}

/// The addresses a request passed, left (first client) to right (last proxy): from
/// `Forwarded` (RFC 7239) if present, else `X-Forwarded-For`. `None` for a hop that
/// gives no IP address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|part| part.trim().to_owned())
            .filter(|part| !part.is_empty())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, node)| parse_node(node.trim().trim_matches('"')))
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .map(|node| parse_node(node))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    node.rsplit_once(':')?.0.parse().ok()
}

/// Puts the request's [`ClientAddress`] among its extensions (read with
/// `Data<&ClientAddress>`).
pub struct FindClientAddress {
    trusted: std::sync::Arc<Vec<Network>>,
    warned: std::sync::Arc<AtomicBool>,
}

impl FindClientAddress {
    /// `trusted` was checked when the settings were loaded; an entry that does not
    /// parse here is left out.
    pub fn new(trusted: &[String]) -> Self {
        Self {
            trusted: std::sync::Arc::new(
                trusted
                    .iter()
                    .filter_map(|entry| Network::parse(entry).ok())
                    .collect(),
            ),
            warned: std::sync::Arc::default(),
        }
    }
}

impl<E: Endpoint> Middleware<E> for FindClientAddress {
    type Output = FindClientAddressEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        FindClientAddressEndpoint {
            inner,
            trusted: self.trusted.clone(),
            warned: self.warned.clone(),
        }
    }
}

pub struct FindClientAddressEndpoint<E> {
    inner: E,
    trusted: std::sync::Arc<Vec<Network>>,
    warned: std::sync::Arc<AtomicBool>,
}

impl<E: Endpoint> Endpoint for FindClientAddressEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut request: Request) -> Result<Self::Output> {
        let peer = request
            .remote_addr()
            .as_socket_addr()
            .map_or(IpAddr::from([127, 0, 0, 1]), |addr| addr.ip());
        let client = client_address(peer, request.headers(), &self.trusted);
        let forwarded = request.headers().contains_key("forwarded")
            || request.headers().contains_key("x-forwarded-for");
        if forwarded && self.trusted.is_empty() && !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "requests carry Forwarded/X-Forwarded-For but server.trusted_proxies is empty: \
                 if a reverse proxy is in front, list it there, or every client shares its \
                 rate limits"
            );
        }
        request.extensions_mut().insert(ClientAddress(client));
        self.inner.call(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn networks(list: &[&str]) -> Vec<Network> {
        list.iter().map(|n| Network::parse(n).unwrap()).collect()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn headers_count_only_from_a_trusted_proxy() {
        let spoofed = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            client_address(ip("198.51.100.4"), &spoofed, &[]),
            ip("198.51.100.4"),
            "no proxy trusted: the peer is the client"
        );
        let trusted = networks(&["10.0.0.5"]);
        assert_eq!(
            client_address(ip("198.51.100.4"), &spoofed, &trusted),
            ip("198.51.100.4"),
            "a peer that is not the proxy cannot name another client"
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), &spoofed, &trusted),
            ip("203.0.113.9")
        );
    }

    /// The client as seen behind the proxy 10.0.0.5, with every 10.x address trusted.
    fn behind_proxy(headers: &HeaderMap) -> IpAddr {
        client_address(ip("10.0.0.5"), headers, &networks(&["10.0.0.0/8"]))
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        // The client wrote a fake first entry; the proxy appended what it saw.
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.7")]);
        assert_eq!(behind_proxy(&chain), ip("203.0.113.9"));
        let split = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(behind_proxy(&split), ip("203.0.113.9"));
        let all_trusted = headers(&[("x-forwarded-for", "10.1.1.1")]);
        assert_eq!(behind_proxy(&all_trusted), ip("10.1.1.1"));
        let unknown = headers(&[("x-forwarded-for", "203.0.113.9, unknown")]);
        assert_eq!(
            behind_proxy(&unknown),
            ip("10.0.0.5"),
            "a hop with no address: the proxy that reported it"
        );
    }

    #[test]
    fn forwarded_is_read_with_ports_and_brackets() {
        let forwarded = headers(&[(
            "forwarded",
            r#"for=198.51.100.1;proto=https, for="[2001:db8:cafe::17]:4711";by=10.0.0.5"#,
        )]);
        assert_eq!(behind_proxy(&forwarded), ip("2001:db8:cafe::17"));
        let with_port = headers(&[("forwarded", "for=\"192.0.2.60:8080\"")]);
        assert_eq!(behind_proxy(&with_port), ip("192.0.2.60"));
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        let a = ClientAddress(ip("2001:db8:1:2:aaaa::1"));
        let b = ClientAddress(ip("2001:db8:1:2:bbbb::9"));
        let other = ClientAddress(ip("2001:db8:1:3::1"));
        assert_eq!(a.rate_key(), "2001:db8:1:2::/64");
        assert_eq!(a.rate_key(), b.rate_key());
        assert_ne!(a.rate_key(), other.rate_key());
        assert_eq!(ClientAddress(ip("192.0.2.1")).rate_key(), "192.0.2.1");
        assert_eq!(
            ClientAddress(ip("::ffff:192.0.2.1")).rate_key(),
            "192.0.2.1"
        );
    }
}
