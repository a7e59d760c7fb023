// "Nearest to me": ask the browser for the visitor's position and sort the list by distance.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("near-me");
  const form = document.getElementById("outlet-search");
  const near = document.getElementById("near");
  const message = document.getElementById("near-message");
  if (!button || !form || !near) return;
  if (!("geolocation" in navigator)) {
    button.hidden = true;
    return;
  }
  button.addEventListener("click", () => {
    message.textContent = "";
    navigator.geolocation.getCurrentPosition(
      (position) => {
        near.value = position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5);
        form.submit();
      },
      () => { message.textContent = button.dataset.denied; document.getElementById("city").focus(); },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 },
    );
  });
});
